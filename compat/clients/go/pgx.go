package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgtype"
	"github.com/jackc/pgx/v4"
)

// pgxVersion is stamped by install-go.sh from the Debian package version.
var pgxVersion = "unknown"

// pgxDriver is pgx v4's native API on one *pgx.Conn: every query goes through
// the extended protocol as a cached named statement, results in binary format
// for the types pgx knows, read with rows.Values().
type pgxDriver struct {
	conn *pgx.Conn
}

func (d *pgxDriver) connect(r *request) error {
	conn, err := pgx.Connect(context.Background(), dsn(r))
	if err != nil {
		return err
	}
	d.conn = conn
	return nil
}

func (d *pgxDriver) query(sql string, params []interface{}) ([]string, []interface{}, [][]interface{}, error) {
	if d.conn == nil {
		return nil, nil, nil, errNotConnected
	}
	rows, err := d.conn.Query(context.Background(), sql, params...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	var out [][]interface{}
	for rows.Next() {
		values, err := rows.Values()
		if err != nil {
			return nil, nil, nil, err
		}
		fields := rows.FieldDescriptions()
		row := make([]interface{}, len(values))
		for i, v := range values {
			if row[i], err = pgxCell(v, fields[i].DataTypeOID); err != nil {
				return nil, nil, nil, err
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	var columns []string
	var types []interface{}
	for _, field := range rows.FieldDescriptions() {
		columns = append(columns, string(field.Name))
		types = append(types, field.DataTypeOID)
	}
	return columns, types, out, nil
}

// pgxCell renders one value of rows.Values(). Besides plain Go values pgx
// returns a time of day as int64 microseconds, and numerics, intervals and
// arrays as pgtype values.
func pgxCell(v interface{}, oid uint32) (interface{}, error) {
	switch x := v.(type) {
	case int64:
		if oid == pgtype.TimeOID {
			return timeOfDay(x), nil
		}
	case pgtype.Numeric:
		return decimal(x), nil
	case pgtype.TextEncoder:
		text, err := x.EncodeText(nil, nil)
		if err != nil {
			return nil, err
		}
		return string(text), nil
	}
	return render(v), nil
}

// timeOfDay is microseconds since midnight as HH:MM:SS[.ffffff].
func timeOfDay(us int64) string {
	text := fmt.Sprintf("%02d:%02d:%02d", us/3600000000, us/60000000%60, us/1000000%60)
	if fraction := us % 1000000; fraction != 0 {
		text += strings.TrimRight(fmt.Sprintf(".%06d", fraction), "0")
	}
	return text
}

// decimal is a numeric in positional notation, with the scale it came with.
func decimal(n pgtype.Numeric) string {
	if n.NaN || n.Int == nil {
		return "NaN"
	}
	digits := n.Int.String()
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	if n.Exp >= 0 {
		return sign + digits + strings.Repeat("0", int(n.Exp))
	}
	scale := int(-n.Exp)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

func (d *pgxDriver) reset() error {
	return notSupported("a pgx.Conn is a single connection without a pool reset")
}

func (d *pgxDriver) version() string { return pgxVersion }

func (d *pgxDriver) close() error {
	if d.conn == nil {
		return nil
	}
	return d.conn.Close(context.Background())
}

func (d *pgxDriver) serverError(err error) (string, string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, pgErr.Message
	}
	return "", ""
}
