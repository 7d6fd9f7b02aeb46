// pgjdbc behind the compat JSON-lines protocol: one request per line on stdin
// (connect, query, metadata, reset, version, close), one JSON reply per line on stdout.
// Every query is a PreparedStatement, so pgjdbc's extended protocol, named
// statements (after prepareThreshold) and binary transfer are exercised.
// metadata calls DatabaseMetaData (schema "public" wherever it takes one).
// A result's reply carries each column's type OID ("types"); an error with a
// SQLSTATE carries the server's primary message (ErrorResponse M) as its message.
// Build: javac -cp /usr/share/java/postgresql.jar -d OUT JdbcClient.java

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.*;
import java.util.*;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TypeInfo;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class JdbcClient {
    private static Connection conn;

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String reply;
            try {
                Map<String, Object> req = asMap(new Json(line).value());
                String op = (String) req.get("op");
                switch (op) {
                    case "connect": reply = connect(req); break;
                    case "query": reply = query(req); break;
                    case "metadata": reply = metadata(req); break;
                    case "version": reply = "{\"ok\":true,\"driver\":\"pgjdbc\",\"version\":" + str(org.postgresql.Driver.getVersion()) + "}"; break;
                    case "close": if (conn != null) conn.close(); reply = "{\"ok\":true}"; break;
                    default: reply = fail(null, "not supported: " + op);
                }
            } catch (SQLException e) {
                reply = fail(e.getSQLState(), message(e));
            } catch (Exception e) {
                reply = fail(null, String.valueOf(e));
            }
            System.out.println(reply);
            System.out.flush();
        }
    }

    private static String connect(Map<String, Object> r) throws SQLException {
        String url = "jdbc:postgresql://" + r.get("host") + ":" + num(r.get("port")) + "/" + r.get("dbname");
        Properties p = new Properties();
        p.setProperty("user", (String) r.get("user"));
        if (r.get("password") != null) p.setProperty("password", (String) r.get("password"));
        p.setProperty("sslmode", (String) r.get("sslmode"));
        if (r.get("sslrootcert") != null) p.setProperty("sslrootcert", (String) r.get("sslrootcert"));
        p.setProperty("prepareThreshold", "1");
        conn = DriverManager.getConnection(url, p);
        return "{\"ok\":true}";
    }

    private static String query(Map<String, Object> r) throws SQLException {
        String sql = (String) r.get("sql");
        List<Object> params = r.get("params") == null ? List.of() : asList(r.get("params"));
        List<Object> ordered = new ArrayList<>();
        StringBuilder jdbcSql = new StringBuilder();
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            int j = i + 1;
            while (c == '$' && j < sql.length() && Character.isDigit(sql.charAt(j))) j++;
            if (c == '$' && j > i + 1) {
                ordered.add(params.get(Integer.parseInt(sql.substring(i + 1, j)) - 1));
                jdbcSql.append('?');
                i = j - 1;
            } else {
                jdbcSql.append(c);
            }
        }
        try (PreparedStatement st = conn.prepareStatement(jdbcSql.toString())) {
            for (int i = 0; i < ordered.size(); i++) st.setObject(i + 1, ordered.get(i));
            if (!st.execute()) return "{\"ok\":true,\"columns\":[],\"types\":[],\"rows\":[]}";
            try (ResultSet rs = st.getResultSet()) {
                return rows(rs, false);
            }
        }
    }

    /** A DatabaseMetaData result set. Each of these is ordered by the JDBC spec,
     *  kept as it comes, except getTypeInfo, ordered only by DATA_TYPE: its rows
     *  are sorted by DATA_TYPE, then by the rest of the row. */
    private static String metadata(Map<String, Object> r) throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        String table = (String) r.get("table");
        String call = String.valueOf(r.get("call"));
        ResultSet rs;
        switch (call) {
            case "schemas": rs = md.getSchemas(); break;
            case "tables": rs = md.getTables(null, "public", "%", null); break;
            case "columns": rs = md.getColumns(null, "public", table, "%"); break;
            case "primary_keys": rs = md.getPrimaryKeys(null, "public", table); break;
            case "indexes": rs = md.getIndexInfo(null, "public", table, false, true); break;
            case "type_info": rs = md.getTypeInfo(); break;
            default: return fail(null, "not supported: metadata call " + call);
        }
        try (ResultSet closing = rs) {
            return rows(rs, call.equals("type_info"));
        }
    }

    /** The reply for a result set: columns as label:type, their type OIDs, every value
     *  as getString. With byDataType, rows are sorted by the DATA_TYPE column
     *  (numerically), then by the whole row. */
    private static String rows(ResultSet rs, boolean byDataType) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        TypeInfo typeInfo = conn.unwrap(BaseConnection.class).getTypeInfo();
        int n = md.getColumnCount();
        StringBuilder out = new StringBuilder("{\"ok\":true,\"columns\":[");
        StringBuilder types = new StringBuilder("],\"types\":[");
        int dataType = -1;
        for (int i = 1; i <= n; i++) {
            if (i > 1) {
                out.append(',');
                types.append(',');
            }
            String typeName = md.getColumnTypeName(i);
            out.append(str(md.getColumnLabel(i) + ":" + typeName));
            types.append(oid(typeInfo, typeName));
            if (md.getColumnLabel(i).equalsIgnoreCase("DATA_TYPE")) dataType = i - 1;
        }
        out.append(types);
        List<List<String>> rows = new ArrayList<>();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= n; i++) row.add(rs.getString(i));
            rows.add(row);
        }
        if (byDataType && dataType >= 0) {
            final int key = dataType;
            Comparator<String> text = Comparator.nullsFirst(Comparator.<String>naturalOrder());
            Comparator<List<String>> order = Comparator.comparing(
                (List<String> row) -> row.get(key) == null ? null : Long.valueOf(row.get(key)),
                Comparator.nullsFirst(Comparator.<Long>naturalOrder()));
            for (int i = 0; i < n; i++) {
                final int col = i;
                order = order.thenComparing(row -> row.get(col), text);
            }
            rows.sort(order);
        }
        out.append("],\"rows\":[");
        for (int r = 0; r < rows.size(); r++) {
            out.append(r == 0 ? "[" : ",[");
            List<String> row = rows.get(r);
            for (int i = 0; i < n; i++) {
                if (i > 0) out.append(',');
                out.append(str(row.get(i)));
            }
            out.append(']');
        }
        return out.append("]}").toString();
    }

    /** The type OID of a column whose getColumnTypeName is typeName. pgjdbc names
     *  the type of the field's OID, except that an int2/int4/int8 column with a
     *  sequence default is called smallserial/serial/bigserial, which are no types. */
    private static int oid(TypeInfo typeInfo, String typeName) throws SQLException {
        switch (typeName) {
            case "smallserial": typeName = "int2"; break;
            case "serial": typeName = "int4"; break;
            case "bigserial": typeName = "int8"; break;
            default: break;
        }
        return typeInfo.getPGType(typeName);
    }

    /** The server's primary message (ErrorResponse M) if the server sent the error;
     *  pgjdbc's getMessage adds the severity, detail, hint and position. */
    private static String message(SQLException e) {
        if (e instanceof PSQLException) {
            ServerErrorMessage server = ((PSQLException) e).getServerErrorMessage();
            if (server != null && server.getMessage() != null) return server.getMessage();
        }
        return e.getMessage();
    }

    private static String fail(String sqlstate, String message) {
        return "{\"ok\":false,\"error\":{\"sqlstate\":" + str(sqlstate) + ",\"message\":" + str(message) + "}}";
    }

    private static long num(Object o) { return ((Number) o).longValue(); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) { return (Map<String, Object>) o; }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) { return (List<Object>) o; }

    /** A JSON string literal, or null. */
    private static String str(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** A small JSON reader: objects, arrays, strings, numbers (Long or Double), booleans, null. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) { this.s = s; }

        Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                skip();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    skip();
                    String k = (String) value();
                    skip();
                    i++; // ':'
                    m.put(k, value());
                    skip();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n': b.append('\n'); break;
                            case 't': b.append('\t'); break;
                            case 'r': b.append('\r'); break;
                            case 'b': b.append('\b'); break;
                            case 'f': b.append('\f'); break;
                            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                            default: b.append(e);
                        }
                    } else {
                        b.append(ch);
                    }
                }
                i++;
                return b.toString();
            }
            if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            if (s.startsWith("null", i)) { i += 4; return null; }
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String n = s.substring(start, i);
            return n.contains(".") || n.contains("e") || n.contains("E") ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
        }

        private void skip() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    }
}
