// Npgsql behind the compat JSON-lines protocol: one request per line on stdin
// (connect, query, reset, version, close), one JSON reply per line on stdout.
// A query's reply carries each column's type OID (from RowDescription); an
// error's message is the server's primary message (PostgresException.MessageText).
// Not built on the development machines (no .NET there); CI runners with a
// Docker engine build it from the Dockerfile beside this file.
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

NpgsqlConnection? conn = null;
string? connString = null;
string? line;
while ((line = Console.ReadLine()) != null)
{
    JsonObject reply;
    try
    {
        var req = JsonNode.Parse(line)!.AsObject();
        reply = req["op"]!.GetValue<string>() switch
        {
            "connect" => Connect(req),
            "query" => Query(req),
            "reset" => Reset(),
            "version" => new JsonObject { ["ok"] = true, ["driver"] = "Npgsql", ["version"] = typeof(NpgsqlConnection).Assembly.GetName().Version!.ToString() },
            "close" => Close(),
            var op => Fail(null, $"not supported: {op}"),
        };
    }
    catch (PostgresException e) { reply = Fail(e.SqlState, e.MessageText); }
    catch (Exception e) { reply = Fail(null, e.Message); }
    Console.WriteLine(reply.ToJsonString());
    Console.Out.Flush();
}

JsonObject Connect(JsonObject req)
{
    var b = new NpgsqlConnectionStringBuilder
    {
        Host = req["host"]!.GetValue<string>(),
        Port = req["port"]!.GetValue<int>(),
        Username = req["user"]!.GetValue<string>(),
        Password = req["password"]?.GetValue<string>(),
        Database = req["dbname"]!.GetValue<string>(),
        Pooling = true,
    };
    b["SSL Mode"] = req["sslmode"]!.GetValue<string>() switch { "require" => "Require", "verify-full" => "VerifyFull", _ => "Disable" };
    if (req["sslrootcert"] is JsonNode ca) b["Root Certificate"] = ca.GetValue<string>();
    connString = b.ConnectionString;
    conn = new NpgsqlConnection(connString);
    conn.Open();
    return new JsonObject { ["ok"] = true };
}

JsonObject Query(JsonObject req)
{
    var sql = req["sql"]!.GetValue<string>();
    using var cmd = new NpgsqlCommand(sql, conn);
    if (req["params"] is JsonArray ps)
        foreach (var p in ps)
            cmd.Parameters.Add(new NpgsqlParameter { Value = p is null ? DBNull.Value : ToValue(p) });
    using var reader = cmd.ExecuteReader();
    var columns = new JsonArray();
    var types = new JsonArray();
    var rows = new JsonArray();
    for (var i = 0; i < reader.FieldCount; i++)
    {
        columns.Add(reader.GetName(i));
        types.Add(reader.GetDataTypeOID(i));
    }
    while (reader.Read())
    {
        var row = new JsonArray();
        for (var i = 0; i < reader.FieldCount; i++)
            row.Add(reader.IsDBNull(i) ? null : Render(reader.GetValue(i)));
        rows.Add(row);
    }
    return new JsonObject { ["ok"] = true, ["columns"] = columns, ["types"] = types, ["rows"] = rows };
}

// Returning the connection to Npgsql's pool runs its reset (DISCARD ALL) on the next open.
JsonObject Reset()
{
    conn?.Close();
    conn = new NpgsqlConnection(connString);
    conn.Open();
    return new JsonObject { ["ok"] = true };
}

JsonObject Close()
{
    conn?.Close();
    return new JsonObject { ["ok"] = true };
}

static object ToValue(JsonNode p) => p.GetValueKind() switch
{
    JsonValueKind.Number when p.ToString().Contains('.') => p.GetValue<double>(),
    JsonValueKind.Number => p.GetValue<long>(),
    JsonValueKind.True or JsonValueKind.False => p.GetValue<bool>(),
    _ => p.GetValue<string>(),
};

static string Render(object v) => v switch
{
    byte[] b => Convert.ToHexString(b).ToLowerInvariant(),
    DateTime d => d.ToString("o"),
    double d => d.ToString("R"),
    float f => f.ToString("R"),
    Array a => JsonSerializer.Serialize(a),
    _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
};

static JsonObject Fail(string? sqlstate, string message) =>
    new() { ["ok"] = false, ["error"] = new JsonObject { ["sqlstate"] = sqlstate, ["message"] = message } };
