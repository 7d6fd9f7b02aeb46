// Command go-client drives one real Go PostgreSQL driver behind the compat
// JSON-lines protocol: pgx v4 through its native API (extended protocol,
// cached named statements, binary format for the types it knows) or lib/pq
// through database/sql (text format).
//
// Usage: go-client --driver pgx|lib/pq
//
// One JSON request per line on stdin, one JSON reply per line on stdout:
//
//	{"op":"connect","host":..,"port":..,"user":..,"password":..,"dbname":..,"sslmode":..,"sslrootcert":..}
//	{"op":"query","sql":"SELECT $1::int4","params":[1]}  -> {"ok":true,"columns":[..],"types":[..],"rows":[[..]]}
//	{"op":"metadata"}, {"op":"reset"}, {"op":"version"}, {"op":"close"}
//
// types has each column's type OID: pgx reports it; lib/pq reports a type name,
// turned back into the OID by its own table (oid.TypeName), or "lib/pq:NAME"
// where that table has none.
//
// Errors: {"ok":false,"error":{"sqlstate":"42P01" or null,"message":".."}}; with
// a SQLSTATE, the message is the server's primary message (ErrorResponse M).
// Values are rendered deterministically (bytes as hex, floats in their
// shortest round-trip form, times ISO-8601), so the same driver's answers
// from two servers can be compared.
//
// Built in GOPATH mode against Debian's packages by ../install-go.sh.
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// request is one line of stdin; each op uses the fields it needs.
type request struct {
	Op          string        `json:"op"`
	Host        string        `json:"host"`
	Port        int           `json:"port"`
	User        string        `json:"user"`
	Password    *string       `json:"password"`
	Dbname      string        `json:"dbname"`
	Sslmode     string        `json:"sslmode"`
	Sslrootcert *string       `json:"sslrootcert"`
	SQL         string        `json:"sql"`
	Params      []interface{} `json:"params"`
}

// driver is one Go PostgreSQL driver holding a single connection.
type driver interface {
	connect(r *request) error
	// query runs sql with Go-valued parameters; types hold one type OID (or
	// the driver's type name) per column, rows rendered cells.
	query(sql string, params []interface{}) (columns []string, types []interface{}, rows [][]interface{}, err error)
	reset() error
	version() string
	close() error
	// serverError is the error's SQLSTATE and primary message, or "" and ""
	// if the server sent none.
	serverError(err error) (sqlstate, message string)
}

var drivers = map[string]driver{
	"pgx":    &pgxDriver{},
	"lib/pq": &pqDriver{},
}

// notSupported is an operation the driver does not have.
type notSupported string

func (n notSupported) Error() string { return "not supported: " + string(n) }

// errNotConnected answers a query sent before a successful connect.
var errNotConnected = fmt.Errorf("not connected")

// dsn is the key=value connection string both drivers parse. For sslmode
// require the root certificate is left out: with one, both drivers (like
// libpq) would verify the chain as in verify-ca.
func dsn(r *request) string {
	settings := [][2]string{
		{"host", r.Host},
		{"port", strconv.Itoa(r.Port)},
		{"user", r.User},
		{"dbname", r.Dbname},
		{"sslmode", r.Sslmode},
		{"connect_timeout", "10"},
	}
	if r.Password != nil {
		settings = append(settings, [2]string{"password", *r.Password})
	}
	if r.Sslmode == "verify-full" && r.Sslrootcert != nil {
		settings = append(settings, [2]string{"sslrootcert", *r.Sslrootcert})
	}
	quote := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	parts := make([]string, len(settings))
	for i, kv := range settings {
		parts[i] = kv[0] + "='" + quote.Replace(kv[1]) + "'"
	}
	return strings.Join(parts, " ")
}

// goValues turns JSON parameters into Go values: integers int64, other
// numbers float64; strings, booleans and null as they are.
func goValues(params []interface{}) ([]interface{}, error) {
	values := make([]interface{}, len(params))
	for i, p := range params {
		n, ok := p.(json.Number)
		if !ok {
			values[i] = p
			continue
		}
		if v, err := n.Int64(); err == nil {
			values[i] = v
		} else if v, err := n.Float64(); err == nil {
			values[i] = v
		} else {
			return nil, fmt.Errorf("parameter $%d: %v", i+1, err)
		}
	}
	return values, nil
}

// render is a cell as a deterministic string, or nil for NULL.
func render(value interface{}) interface{} {
	switch v := value.(type) {
	case nil:
		return nil
	case string:
		return v
	case []byte:
		return hex.EncodeToString(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case time.Time:
		return v.Format("2006-01-02T15:04:05.999999999Z07:00")
	case [16]byte: // a UUID
		h := hex.EncodeToString(v[:])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case map[string]interface{}, []interface{}: // decoded JSON
		text, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(text)
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

func failure(sqlstate, message string) map[string]interface{} {
	var code interface{}
	if sqlstate != "" {
		code = sqlstate
	}
	return map[string]interface{}{
		"ok":    false,
		"error": map[string]interface{}{"sqlstate": code, "message": message},
	}
}

// handle answers one request line; every driver error (and panic) becomes a reply.
func handle(name string, d driver, line []byte) (reply map[string]interface{}) {
	defer func() {
		if p := recover(); p != nil {
			reply = failure("", fmt.Sprintf("panic: %v", p))
		}
	}()
	var r request
	decoder := json.NewDecoder(bytes.NewReader(line))
	decoder.UseNumber()
	if err := decoder.Decode(&r); err != nil {
		return failure("", "bad request: "+err.Error())
	}
	ok := map[string]interface{}{"ok": true}
	var err error
	switch r.Op {
	case "connect":
		err = d.connect(&r)
	case "query":
		var params []interface{}
		if params, err = goValues(r.Params); err == nil {
			var columns []string
			var types []interface{}
			var rows [][]interface{}
			if columns, types, rows, err = d.query(r.SQL, params); err == nil {
				if columns == nil {
					columns = []string{}
				}
				if types == nil {
					types = []interface{}{}
				}
				if rows == nil {
					rows = [][]interface{}{}
				}
				ok["columns"], ok["types"], ok["rows"] = columns, types, rows
			}
		}
	case "metadata":
		err = notSupported("metadata: Go drivers have no metadata API")
	case "reset":
		err = d.reset()
	case "version":
		ok["driver"], ok["version"] = name, d.version()
	case "close":
		err = d.close()
	default:
		err = notSupported(r.Op)
	}
	if err != nil {
		if _, unsupported := err.(notSupported); unsupported {
			return failure("", err.Error())
		}
		if sqlstate, message := d.serverError(err); sqlstate != "" {
			return failure(sqlstate, message)
		}
		return failure("", err.Error())
	}
	return ok
}

func main() {
	name := flag.String("driver", "", "the driver: pgx or lib/pq")
	flag.Parse()
	d, known := drivers[*name]
	if !known {
		fmt.Fprintf(os.Stderr, "unknown driver %q (pgx or lib/pq)\n", *name)
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	encoder.SetEscapeHTML(false)
	for in.Scan() {
		if err := encoder.Encode(handle(*name, d, in.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
