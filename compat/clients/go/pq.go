package main

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lib/pq"
	"github.com/lib/pq/oid"
)

// pqVersion is stamped by install-go.sh from the Debian package version.
var pqVersion = "unknown"

// pqDriver is lib/pq through database/sql on one pinned *sql.Conn: queries
// without parameters use the simple protocol, with parameters an unnamed
// prepared statement; results in text format.
type pqDriver struct {
	db   *sql.DB
	conn *sql.Conn
}

func (d *pqDriver) connect(r *request) error {
	db, err := sql.Open("postgres", dsn(r))
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return err
	}
	d.db, d.conn = db, conn
	return nil
}

func (d *pqDriver) query(query string, params []interface{}) ([]string, []interface{}, [][]interface{}, error) {
	if d.conn == nil {
		return nil, nil, nil, errNotConnected
	}
	rows, err := d.conn.QueryContext(context.Background(), query, params...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return nil, nil, nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, nil, err
	}
	var out [][]interface{}
	for rows.Next() {
		cells := make([]interface{}, len(columns))
		targets := make([]interface{}, len(columns))
		for i := range cells {
			targets[i] = &cells[i]
		}
		if err := rows.Scan(targets...); err != nil {
			return nil, nil, nil, err
		}
		row := make([]interface{}, len(cells))
		for i, v := range cells {
			// lib/pq hands over the text of types it does not parse as []byte;
			// only bytea's are the value's bytes.
			if b, ok := v.([]byte); ok && types[i].DatabaseTypeName() != "BYTEA" {
				v = string(b)
			}
			row[i] = render(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	oids := make([]interface{}, len(types))
	for i, t := range types {
		oids[i] = pqType(t.DatabaseTypeName())
	}
	return columns, oids, out, nil
}

// pqOIDs inverts lib/pq's own table of the built-in types' names (oid.TypeName,
// one distinct name per OID), the only way back from a column's
// DatabaseTypeName to its OID: database/sql hides the RowDescription.
var pqOIDs = func() map[string]uint32 {
	oids := make(map[string]uint32, len(oid.TypeName))
	for o, name := range oid.TypeName {
		oids[name] = uint32(o)
	}
	return oids
}()

// pqType is a column's type OID, or "lib/pq:NAME" for a name lib/pq's table
// does not hold ("lib/pq:unknown" where lib/pq has no name, a non-built-in type).
func pqType(name string) interface{} {
	if o, ok := pqOIDs[name]; ok {
		return o
	}
	if name == "" {
		name = "unknown"
	}
	return "lib/pq:" + name
}

// reset hands the connection back to database/sql's pool and takes it again.
func (d *pqDriver) reset() error {
	if d.conn == nil {
		return errNotConnected
	}
	if err := d.conn.Close(); err != nil {
		return err
	}
	conn, err := d.db.Conn(context.Background())
	d.conn = conn
	return err
}

func (d *pqDriver) version() string { return pqVersion }

func (d *pqDriver) close() error {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.db == nil {
		return nil
	}
	return d.db.Close()
}

func (d *pqDriver) serverError(err error) (string, string) {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code), pqErr.Message
	}
	return "", ""
}
