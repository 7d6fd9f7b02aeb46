"""A wire-level replay of Npgsql behind the compat JSON-lines protocol.

Npgsql (the .NET driver inside Power BI) cannot run where there is no .NET, so
this program sends, byte for byte as far as the sources below tell, what
Npgsql sends: its StartupMessage, its SSLRequest and TLS, its SCRAM-SHA-256 /
MD5 / cleartext authentication, its type-loading queries, its way of running a
command (Parse/Bind/Describe/Execute per statement, one Sync, binary results)
and its pool reset. It reads the answers the way Npgsql reads them, so an
answer Npgsql would choke on makes `connect` or `query` fail here too.

Usage: replay.py --version 4.0|current [--newline crlf|lf]

  --version 4.0      Npgsql 4.0.x, the version Power BI Desktop embeds
  --version current  current Npgsql (8.x and later)
  --newline          line endings inside Npgsql's SQL texts; the compiled
                     driver carries those of the machine it was built on.
                     Default: crlf for 4.0 (Power BI traffic shows CRLF),
                     lf for current.

One JSON request per line on stdin, one JSON reply per line on stdout, as in
compat/clients/python/client.py:
  {"op":"connect","host":..,"port":..,"user":..,"password":..,"dbname":..,
   "sslmode":"disable|require|verify-full","sslrootcert":..}
  {"op":"query","sql":"SELECT $1::int8","params":[1]}
  {"op":"metadata","call":"types"}   the type list Npgsql built at connect
  {"op":"metadata","call":"dataset_types"}   each type of the served tables' columns, and
                                     whether that list holds it
  {"op":"reset"}, {"op":"version"}, {"op":"close"}
Replies: {"ok":true,"columns":[..],"types":[..],"rows":[[..]]} or
         {"ok":false,"error":{"sqlstate":"42P01" or null,"message":".."}}.
A query's types are the type OIDs of its RowDescription; metadata tables are the
replay's own lists of strings, typed "replay:text". An error's message is the
ErrorResponse's M field (the server's primary message) when it has a SQLSTATE.

Standard library only.
"""

import argparse
import base64
import datetime
import decimal
import hashlib
import hmac
import json
import os
import secrets
import socket
import ssl
import struct
import sys
import unicodedata
import uuid

# ---------------------------------------------------------------------------
# The SQL Npgsql sends. Each text is reproduced verbatim from the driver's
# source (with the C# string interpolation written out as Python), with its
# source named above it.
# ---------------------------------------------------------------------------

# Npgsql 4.0.x: npgsql/npgsql, src/Npgsql/PostgresDatabaseInfo.cs,
# GenerateTypesQuery(withRange, withEnum, withEnumSortOrder, loadTableComposites)
# (4.0 line, the version stored at commit 4f87a82dc5868a55bff95021ac6d2ae328a4ec0c;
# the composite query's "ORDER BY typ.oid, att.attnum" is that of 4.0.4 and later,
# as in the EnterpriseDB fork of 4.0.x xfischer/npgsql at the same path and in
# captured Power BI traffic, which also shows the CRLF line endings and the three
# statements sent as three Parse messages). Sent through NpgsqlCommand with
# AllResultTypesAreUnknown = true: extended protocol, text results.
# loadTableComposites is false by default; only that branch is written here.
NPGSQL4_TYPES_QUERY = """
/*** Load all supported types ***/
SELECT ns.nspname, a.typname, a.oid, a.typrelid, a.typbasetype,
CASE WHEN pg_proc.proname='array_recv' THEN 'a' ELSE a.typtype END AS type,
CASE
  WHEN pg_proc.proname='array_recv' THEN a.typelem
  {range_case}
  ELSE 0
END AS elemoid,
CASE
  WHEN pg_proc.proname IN ('array_recv','oidvectorrecv') THEN 3    /* Arrays last */
  WHEN a.typtype='r' THEN 2                                        /* Ranges before */
  WHEN a.typtype='d' THEN 1                                        /* Domains before */
  ELSE 0                                                           /* Base types first */
END AS ord
FROM pg_type AS a
JOIN pg_namespace AS ns ON (ns.oid = a.typnamespace)
JOIN pg_proc ON pg_proc.oid = a.typreceive
LEFT OUTER JOIN pg_class AS cls ON (cls.oid = a.typrelid)
LEFT OUTER JOIN pg_type AS b ON (b.oid = a.typelem)
LEFT OUTER JOIN pg_class AS elemcls ON (elemcls.oid = b.typrelid)
{range_join}
WHERE
  a.typtype IN ('b', 'r', 'e', 'd') OR         /* Base, range, enum, domain */
  (a.typtype = 'c' AND cls.relkind='c') OR /* User-defined free-standing composites (not table composites) by default */
  (pg_proc.proname='array_recv' AND (
    b.typtype IN ('b', 'r', 'e', 'd') OR       /* Array of base, range, enum, domain */
    (b.typtype = 'p' AND b.typname IN ('record', 'void')) OR /* Arrays of special supported pseudo-types */
    (b.typtype = 'c' AND elemcls.relkind='c')  /* Array of user-defined free-standing composites (not table composites) */
  )) OR
  (a.typtype = 'p' AND a.typname IN ('record', 'void'))  /* Some special supported pseudo-types */
ORDER BY ord;

/*** Load field definitions for (free-standing) composite types ***/
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE
  (typ.typtype = 'c' AND cls.relkind='c') AND
  attnum > 0 AND     /* Don't load system attributes */
  NOT attisdropped
ORDER BY typ.oid, att.attnum;
{enum_block}
"""
NPGSQL4_RANGE_CASE = "WHEN a.typtype='r' THEN rngsubtype"
NPGSQL4_RANGE_JOIN = "LEFT OUTER JOIN pg_range ON (pg_range.rngtypid = a.oid) "

# Npgsql 4.0.x, same file and method: the enum block, included when the server
# supports enums (>= 8.3); ", enumsortorder" when it has pg_enum.enumsortorder (>= 9.1).
NPGSQL4_ENUM_BLOCK = """
/*** Load enum fields ***/
SELECT pg_type.oid, enumlabel
FROM pg_enum
JOIN pg_type ON pg_type.oid=enumtypid
ORDER BY oid{sort_order};"""

# Current Npgsql: npgsql/npgsql, src/Npgsql/PostgresDatabaseInfo.cs,
# LoadBackendTypes (commit 00ee7a8a47cc61b9419dd334851ec5184ab5bcdd).
# The four texts are joined with AppendLine into ONE simple Query message;
# the answers are read positionally, in text format.
CURRENT_VERSION_QUERY = "SELECT version();"

# Current Npgsql, same file: GenerateLoadTypesQuery(withRange, withMultirange,
# loadTableComposites = false).
CURRENT_TYPES_QUERY = """
SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
FROM (
    -- Arrays have typtype=b - this subquery identifies them by their typreceive and converts their typtype to a
    -- We first do this for the type (innerest-most subquery), and then for its element type
    -- This also returns the array element, range subtype and domain base type as elemtypoid
    SELECT
        typ.oid, typ.typnamespace, typ.typname, typ.typtype, typ.typrelid, typ.typnotnull, typ.relkind,
        elemtyp.oid AS elemtypoid, elemtyp.typname AS elemtypname, elemcls.relkind AS elemrelkind,
        CASE WHEN elemproc.proname='array_recv' THEN 'a' ELSE elemtyp.typtype END AS elemtyptype
    FROM (
        SELECT typ.oid, typnamespace, typname, typrelid, typnotnull, relkind, typelem AS elemoid,
            CASE WHEN proc.proname='array_recv' THEN 'a' ELSE typ.typtype END AS typtype,
            CASE
                WHEN proc.proname='array_recv' THEN typ.typelem
                {range_case}
                {multirange_case}
                WHEN typ.typtype='d' THEN typ.typbasetype
            END AS elemtypoid
        FROM pg_type AS typ
        LEFT JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
        LEFT JOIN pg_proc AS proc ON proc.oid = typ.typreceive
        {range_join}
    ) AS typ
    LEFT JOIN pg_type AS elemtyp ON elemtyp.oid = elemtypoid
    LEFT JOIN pg_class AS elemcls ON (elemcls.oid = elemtyp.typrelid)
    LEFT JOIN pg_proc AS elemproc ON elemproc.oid = elemtyp.typreceive
) AS t
JOIN pg_namespace AS ns ON (ns.oid = typnamespace)
WHERE
    typtype IN ('b', 'r', 'm', 'e', 'd') OR -- Base, range, multirange, enum, domain
    (typtype = 'c' AND relkind='c') OR -- User-defined free-standing composites (not table composites) by default
    (typtype = 'p' AND typname IN ('record', 'void')) OR -- Some special supported pseudo-types
    (typtype = 'a' AND (  -- Array of...
        elemtyptype IN ('b', 'r', 'm', 'e', 'd') OR -- Array of base, range, multirange, enum, domain
        (elemtyptype = 'p' AND elemtypname IN ('record', 'void')) OR -- Arrays of special supported pseudo-types
        (elemtyptype = 'c' AND elemrelkind='c') -- Array of user-defined free-standing composites (not table composites) by default
    ))
ORDER BY CASE
       WHEN typtype IN ('b', 'e', 'p') THEN 0           -- First base types, enums, pseudo-types
       WHEN typtype = 'r' THEN 1                        -- Ranges after
       WHEN typtype = 'm' THEN 2                        -- Multiranges after
       WHEN typtype = 'c' THEN 3                        -- Composites after
       WHEN typtype = 'd' AND elemtyptype <> 'a' THEN 4 -- Domains over non-arrays after
       WHEN typtype = 'a' THEN 5                        -- Arrays after
       WHEN typtype = 'd' AND elemtyptype = 'a' THEN 6  -- Domains over arrays last
END;"""
CURRENT_RANGE_CASE = "WHEN typ.typtype='r' THEN rngsubtype"
CURRENT_MULTIRANGE_CASE = (
    "WHEN typ.typtype='m' THEN (SELECT rngtypid FROM pg_range WHERE rngmultitypid = typ.oid)")
CURRENT_RANGE_JOIN = "LEFT JOIN pg_range ON (pg_range.rngtypid = typ.oid)"

# Current Npgsql, same file: GenerateLoadCompositeTypesQuery(loadTableComposites = false).
CURRENT_COMPOSITES_QUERY = """
-- Load field definitions for (free-standing) composite types
SELECT typ.oid, att.attname, att.atttypid
FROM pg_type AS typ
JOIN pg_namespace AS ns ON (ns.oid = typ.typnamespace)
JOIN pg_class AS cls ON (cls.oid = typ.typrelid)
JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid)
WHERE
  (typ.typtype = 'c' AND cls.relkind='c') AND
  attnum > 0 AND     -- Don't load system attributes
  NOT attisdropped
ORDER BY typ.oid, att.attnum;"""

# Current Npgsql, same file: GenerateLoadEnumFieldsQuery(withEnumSortOrder).
CURRENT_ENUMS_QUERY = """
-- Load enum fields
SELECT pg_type.oid, enumlabel
FROM pg_enum
JOIN pg_type ON pg_type.oid=enumtypid
ORDER BY oid{sort_order};"""

# The pool reset. Both versions: src/Npgsql/NpgsqlConnector.cs (4.0.x; in current
# Npgsql src/Npgsql/Internal/NpgsqlConnector.cs), Reset(): when the connection goes
# back to the pool, a ROLLBACK if a transaction is open, then -- as a simple Query
# message (PregeneratedMessage.DiscardAll) -- "DISCARD ALL", unless prepared
# statements exist, in which case the text built by GenerateResetMessage():
# "SET SESSION AUTHORIZATION DEFAULT;RESET ALL;" + "CLOSE ALL;" + "UNLISTEN *;" +
# "SELECT pg_advisory_unlock_all();" + "DISCARD SEQUENCES;" + "DISCARD TEMP", each
# part included when the server supports it. This replay never prepares a
# statement (Npgsql's default: Max Auto Prepare = 0), so it sends DISCARD ALL.
# Not Npgsql's: the harness's own question, which types the served tables' columns have.
DATASET_TYPES = (
    "SELECT DISTINCT pg_catalog.format_type(a.atttypid, NULL) AS type, a.atttypid::int8 AS oid "
    "FROM pg_catalog.pg_attribute a "
    "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND a.attnum > 0 ORDER BY 1"
)
DISCARD_ALL = "DISCARD ALL"
RESET_WITHOUT_DEALLOCATE = ("SET SESSION AUTHORIZATION DEFAULT;RESET ALL;CLOSE ALL;UNLISTEN *;"
                            "SELECT pg_advisory_unlock_all();DISCARD SEQUENCES;DISCARD TEMP")
ROLLBACK = "ROLLBACK"


class Failure(Exception):
    """An error reply: a server error with its SQLSTATE, or a client-side one."""

    def __init__(self, message, sqlstate=None):
        super().__init__(message)
        self.sqlstate = sqlstate


class NotSupported(Failure):
    pass


# ---------------------------------------------------------------------------
# Splitting a command text into statements, as Npgsql's SqlQueryParser does
# (npgsql/npgsql src/Npgsql/SqlQueryParser.cs, 4.0 line): semicolons outside
# quotes, comments, dollar quotes and parentheses end a statement; whitespace
# after a semicolon is skipped; trailing whitespace does not start a statement.
# ---------------------------------------------------------------------------

def _ident_start(c):
    return c.isascii() and (c.isalpha() or c == "_") or 128 <= ord(c) <= 255


def _dollar_tag_char(c):
    return _ident_start(c) or c.isdigit()


def _ident_char(c):
    return _dollar_tag_char(c) or c == "$"


def split_statements(sql, standard_conforming_strings=True):
    statements = []
    start = 0
    i = 0
    n = len(sql)
    last = ""
    depth = 0
    while i < n:
        c = sql[i]
        if c == "-" and i + 1 < n and sql[i + 1] == "-":
            j = i + 2
            while j < n and sql[j] not in "\r\n":
                j += 1
            i = j
            last = ""
            continue
        if c == "/" and i + 1 < n and sql[i + 1] == "*":
            level = 1
            j = i + 2
            while j < n and level > 0:
                if sql.startswith("/*", j):
                    level += 1
                    j += 2
                elif sql.startswith("*/", j):
                    level -= 1
                    j += 2
                else:
                    j += 1
            i = j
            last = ""
            continue
        if c == "'" or (c in "eE" and not last.isalpha() and i + 1 < n and sql[i + 1] == "'"):
            escaped = c != "'" or not standard_conforming_strings
            j = i + (2 if c != "'" else 1)
            while j < n:
                if escaped and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            last = ""
            continue
        if c == '"':
            j = sql.find('"', i + 1)
            i = n if j < 0 else j + 1
            last = ""
            continue
        if c == "$" and not (last and _ident_char(last)):
            j = i + 1
            while j < n and _dollar_tag_char(sql[j]) and not (j == i + 1 and sql[j].isdigit()):
                j += 1
            if j < n and sql[j] == "$":
                tag = sql[i:j + 1]
                end = sql.find(tag, j + 1)
                i = n if end < 0 else end + len(tag)
                last = ""
                continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ";" and depth == 0:
            statements.append(sql[start:i])
            i += 1
            while i < n and sql[i].isspace():
                i += 1
            start = i
            last = ""
            if i >= n:
                return statements
            continue
        last = c
        i += 1
    statements.append(sql[start:])
    return statements


# ---------------------------------------------------------------------------
# The wire.
# ---------------------------------------------------------------------------

def cstr(s):
    return s.encode("utf-8") + b"\0"


def message(code, payload=b""):
    return code + struct.pack("!i", len(payload) + 4) + payload


def parse_error(payload):
    fields = {}
    for part in payload.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


class Wire:
    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Failure("Exception while reading from stream (the server closed the connection)")
            self.buf += chunk

    def read_byte(self):
        self._fill(1)
        b = self.buf[0]
        del self.buf[0]
        return b

    def read(self):
        """The next backend message: (type character, payload)."""
        self._fill(5)
        code = chr(self.buf[0])
        (length,) = struct.unpack("!i", self.buf[1:5])
        self._fill(1 + length)
        payload = bytes(self.buf[5:1 + length])
        del self.buf[:1 + length]
        return code, payload


def sasl_hi(password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256", password, salt, iterations)


def der_signature_algorithm(der):
    """The signatureAlgorithm OID (dotted) of a DER certificate, or None."""

    def header(pos):
        tag = der[pos]
        length = der[pos + 1]
        pos += 2
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(der[pos:pos + count], "big")
            pos += count
        return tag, pos, length

    try:
        tag, pos, _ = header(0)  # Certificate SEQUENCE
        tag, tbs_pos, tbs_len = header(pos)  # tbsCertificate
        tag, alg_pos, _ = header(tbs_pos + tbs_len)  # signatureAlgorithm SEQUENCE
        tag, oid_pos, oid_len = header(alg_pos)
        if tag != 0x06:
            return None
        raw = der[oid_pos:oid_pos + oid_len]
        parts = [raw[0] // 40, raw[0] % 40]
        value = 0
        for b in raw[1:]:
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                parts.append(value)
                value = 0
        return ".".join(str(p) for p in parts)
    except (IndexError, ValueError):
        return None


# The hash for tls-server-end-point, as current Npgsql chooses it from the
# certificate's signature algorithm (.NET FriendlyName starting with md5/sha1/
# sha256 -> SHA-256, sha384 -> SHA-384, sha512 -> SHA-512, anything else: no
# channel binding). src/Npgsql/Internal/NpgsqlConnector.Auth.cs, AuthenticateSASL.
SIGNATURE_HASHES = {
    "1.2.840.113549.1.1.4": "sha256",   # md5RSA
    "1.2.840.113549.1.1.5": "sha256",   # sha1RSA
    "1.2.840.113549.1.1.11": "sha256",  # sha256RSA
    "1.2.840.113549.1.1.12": "sha384",  # sha384RSA
    "1.2.840.113549.1.1.13": "sha512",  # sha512RSA
    "1.2.840.10045.4.1": "sha256",      # sha1ECDSA
    "1.2.840.10045.4.3.2": "sha256",    # sha256ECDSA
    "1.2.840.10045.4.3.3": "sha384",    # sha384ECDSA
    "1.2.840.10045.4.3.4": "sha512",    # sha512ECDSA
    "1.2.840.10040.4.3": "sha256",      # sha1DSA
    "2.16.840.1.101.3.4.3.2": "sha256",  # sha256DSA
}


def parse_server_version(value):
    """NpgsqlDatabaseInfo.ParseServerVersion: leading digits and dots."""
    text = value.lstrip()
    for i, c in enumerate(text):
        if not (c.isdigit() or c == "."):
            text = text[:i]
            break
    if "." not in text:
        text += ".0"
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        raise Failure(f"Version string portion was too short or too long (server_version {value!r})")


# ---------------------------------------------------------------------------
# Types and values.
# ---------------------------------------------------------------------------

PG_EPOCH = datetime.datetime(2000, 1, 1)
PG_EPOCH_DATE = datetime.date(2000, 1, 1)
INT64_MAX = 2**63 - 1
INT64_MIN = -2**63
KIND_NAMES = {"b": "base", "a": "array", "r": "range", "m": "multirange", "e": "enum",
              "c": "composite", "d": "domain"}


class PgType:
    def __init__(self, nspname, typname, oid, kind, element=None, notnull=False):
        self.nspname = nspname
        self.typname = typname
        self.oid = oid
        self.kind = kind
        self.element = element  # PgType: array element, range subtype, domain base, multirange's range
        self.notnull = notnull
        self.labels = []
        self.fields = []

    def row(self):
        detail = None
        if self.kind == "e":
            detail = json.dumps(self.labels)
        elif self.kind == "c":
            detail = json.dumps([f"{name}:{t.oid}" for name, t in self.fields])
        elif self.kind == "d" and self.notnull:
            detail = "not null"
        return [self.nspname, self.typname, str(self.oid), KIND_NAMES[self.kind],
                None if self.element is None else str(self.element.oid), detail]


def float4_repr(raw):
    (value,) = struct.unpack("!f", raw)
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("!f", struct.pack("!f", float(text)))[0] == value:
            return repr(float(text))
    return repr(value)


def numeric_text(raw):
    ndigits, weight, sign, dscale = struct.unpack("!hhHh", raw[:8])
    if sign == 0xC000:
        return "NaN"
    if sign == 0xD000:
        return "Infinity"
    if sign == 0xF000:
        return "-Infinity"
    digits = struct.unpack(f"!{ndigits}H", raw[8:8 + 2 * ndigits])
    value = 0
    for d in digits:
        value = value * 10000 + d
    exponent = (weight - ndigits + 1) * 4  # value * 10**exponent
    with decimal.localcontext() as ctx:
        ctx.prec = 1000
        number = decimal.Decimal(value).scaleb(exponent) if value else decimal.Decimal(0)
        number = number.quantize(decimal.Decimal(1).scaleb(-dscale))
    text = f"{number:f}"
    return "-" + text if sign == 0x4000 and value else text


def timestamp_text(micros, tz):
    if micros == INT64_MAX:
        return "infinity"
    if micros == INT64_MIN:
        return "-infinity"
    try:
        value = PG_EPOCH + datetime.timedelta(microseconds=micros)
    except OverflowError:
        return f"timestamp({micros}us)"
    if tz:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.isoformat()


def time_text(micros):
    seconds, us = divmod(micros, 1000000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return text + (f".{us:06d}" if us else "")


def inet_text(raw, cidr):
    family, bits, _is_cidr, length = raw[0], raw[1], raw[2], raw[3]
    addr = raw[4:4 + length]
    if family == 2 or length == 4:
        text = socket.inet_ntop(socket.AF_INET, addr)
        full = 32
    else:
        text = socket.inet_ntop(socket.AF_INET6, addr)
        full = 128
    return f"{text}/{bits}" if cidr or bits != full else text


def bits_text(raw):
    (count,) = struct.unpack("!i", raw[:4])
    return "".join("1" if raw[4 + i // 8] & (0x80 >> (i % 8)) else "0" for i in range(count))


def decode_scalar(typname, raw, conn):
    """The value Npgsql reads from a binary field, rendered; None if not handled."""
    if typname == "bool":
        return "True" if raw[0] else "False"
    if typname == "int2":
        return str(struct.unpack("!h", raw)[0])
    if typname == "int4":
        return str(struct.unpack("!i", raw)[0])
    if typname == "int8":
        return str(struct.unpack("!q", raw)[0])
    if typname in ("oid", "xid", "cid", "regtype", "regclass", "regproc", "regnamespace",
                   "regprocedure", "regoper", "regoperator", "regconfig", "regdictionary",
                   "regrole", "regcollation"):
        return str(struct.unpack("!I", raw)[0])
    if typname == "xid8":
        return str(struct.unpack("!Q", raw)[0])
    if typname == "float4":
        return float4_repr(raw)
    if typname == "float8":
        return repr(struct.unpack("!d", raw)[0])
    if typname == "numeric":
        return numeric_text(raw)
    if typname == "money":
        return str(decimal.Decimal(struct.unpack("!q", raw)[0]).scaleb(-2))
    if typname in ("text", "varchar", "bpchar", "name", "unknown", "json", "xml", "citext",
                   "refcursor"):
        return raw.decode("utf-8")
    if typname == "char":
        return raw.decode("latin-1")
    if typname == "jsonb":
        return raw[1:].decode("utf-8")
    if typname == "jsonpath":
        return raw[1:].decode("utf-8")
    if typname == "bytea":
        return raw.hex()
    if typname == "uuid":
        return str(uuid.UUID(bytes=raw))
    if typname in ("date", "timestamp", "timestamptz", "time", "timetz") and not conn.integer_datetimes:
        raise Failure("Old floating point representation for timestamps not supported")
    if typname == "date":
        (days,) = struct.unpack("!i", raw)
        if days == 2**31 - 1:
            return "infinity"
        if days == -2**31:
            return "-infinity"
        try:
            return (PG_EPOCH_DATE + datetime.timedelta(days=days)).isoformat()
        except OverflowError:
            return f"date({days})"
    if typname == "timestamp":
        return timestamp_text(struct.unpack("!q", raw)[0], False)
    if typname == "timestamptz":
        return timestamp_text(struct.unpack("!q", raw)[0], True)
    if typname == "time":
        return time_text(struct.unpack("!q", raw)[0])
    if typname == "timetz":
        micros, zone = struct.unpack("!qi", raw)
        offset = -zone
        sign = "+" if offset >= 0 else "-"
        hours, rest = divmod(abs(offset), 3600)
        return f"{time_text(micros)}{sign}{hours:02d}:{rest // 60:02d}"
    if typname == "interval":
        micros, days, months = struct.unpack("!qii", raw)
        return f"{months}mon{days}d{micros}us"
    if typname in ("inet", "cidr"):
        return inet_text(raw, typname == "cidr")
    if typname in ("macaddr", "macaddr8"):
        return ":".join(f"{b:02x}" for b in raw)
    if typname in ("bit", "varbit"):
        return bits_text(raw)
    return None


class Decoder:
    """Npgsql picks a field's reader from the type it loaded for the field's OID."""

    def __init__(self, conn):
        self.conn = conn

    def value(self, pgtype, raw):
        if pgtype.kind == "d":
            return self.value(pgtype.element, raw)
        if pgtype.kind == "e":
            return raw.decode("utf-8")
        if pgtype.kind == "a":
            return json.dumps(self.array(raw))
        if pgtype.kind == "r":
            return self.range(pgtype.element, raw)
        if pgtype.kind == "m":
            (count,) = struct.unpack("!i", raw[:4])
            pos, ranges = 4, []
            for _ in range(count):
                (length,) = struct.unpack("!i", raw[pos:pos + 4])
                ranges.append(self.range(pgtype.element.element, raw[pos + 4:pos + 4 + length]))
                pos += 4 + length
            return "{" + ",".join(ranges) + "}"
        if pgtype.typname == "record" and pgtype.nspname == "pg_catalog":
            return json.dumps(self.record(raw))
        if pgtype.kind == "b" and pgtype.nspname == "pg_catalog":
            text = decode_scalar(pgtype.typname, raw, self.conn)
            if text is not None:
                return text
        raise Failure(f"The replay cannot read binary values of type {pgtype.nspname}.{pgtype.typname} "
                      f"(OID {pgtype.oid}, {KIND_NAMES.get(pgtype.kind, pgtype.kind)})")

    def by_oid(self, oid, raw, field):
        pgtype = self.conn.types.get(oid)
        if pgtype is None:
            raise Failure(f"The field '{field}' has a type currently unknown to Npgsql (OID {oid}): "
                          "it is not in the type list loaded at connect")
        return self.value(pgtype, raw)

    def array(self, raw):
        ndim, _has_nulls, elem_oid = struct.unpack("!iiI", raw[:12])
        if ndim == 0:
            return []
        dims = [struct.unpack("!ii", raw[12 + 8 * i:20 + 8 * i])[0] for i in range(ndim)]
        pos = 12 + 8 * ndim
        flat = []
        for _ in range(eval_product(dims)):
            (length,) = struct.unpack("!i", raw[pos:pos + 4])
            pos += 4
            if length < 0:
                flat.append(None)
            else:
                flat.append(self.by_oid(elem_oid, raw[pos:pos + length], "array element"))
                pos += length

        def nest(values, shape):
            if len(shape) == 1:
                return values
            step = len(values) // shape[0]
            return [nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]

        return nest(flat, dims)

    def range(self, subtype, raw):
        flags = raw[0]
        if flags & 0x01:
            return "empty"
        pos = 1
        bounds = []
        for infinite in (0x08, 0x10):
            if flags & infinite:
                bounds.append("")
                continue
            (length,) = struct.unpack("!i", raw[pos:pos + 4])
            bounds.append(self.value(subtype, raw[pos + 4:pos + 4 + length]))
            pos += 4 + length
        return ("[" if flags & 0x02 else "(") + bounds[0] + "," + bounds[1] + ("]" if flags & 0x04 else ")")

    def record(self, raw):
        (count,) = struct.unpack("!i", raw[:4])
        pos = 4
        values = []
        for _ in range(count):
            oid, length = struct.unpack("!Ii", raw[pos:pos + 8])
            pos += 8
            if length < 0:
                values.append(None)
            else:
                values.append(self.by_oid(oid, raw[pos:pos + length], "record field"))
                pos += length
        return values


def eval_product(values):
    result = 1
    for v in values:
        result *= v
    return result


def row_description(payload):
    (count,) = struct.unpack("!h", payload[:2])
    pos = 2
    fields = []
    for _ in range(count):
        end = payload.index(b"\0", pos)
        name = payload[pos:end].decode("utf-8")
        pos = end + 1
        _table, _attnum, type_oid, _size, _mod, fmt = struct.unpack("!IhIhih", payload[pos:pos + 18])
        pos += 18
        fields.append((name, type_oid, fmt))
    return fields


def data_row(payload):
    (count,) = struct.unpack("!h", payload[:2])
    pos = 2
    values = []
    for _ in range(count):
        (length,) = struct.unpack("!i", payload[pos:pos + 4])
        pos += 4
        if length < 0:
            values.append(None)
        else:
            values.append(payload[pos:pos + length])
            pos += length
    return values


# ---------------------------------------------------------------------------
# The connection.
# ---------------------------------------------------------------------------

class Npgsql:
    def __init__(self, version, newline):
        self.version = version
        self.newline = newline
        self.wire = None
        self.params = {}
        self.types = {}
        self.status = "I"
        self.integer_datetimes = False
        self.secure = False
        self.tls = None
        self.server_version = None
        self.long_version = None

    # -- connect ------------------------------------------------------------

    def connect(self, r):
        self.close()
        host, port = r["host"], int(r["port"])
        user = r["user"]
        dbname = r.get("dbname") or user
        sslmode = r.get("sslmode") or "disable"
        try:
            sock = socket.create_connection((host, port), timeout=60)
        except OSError as e:
            raise Failure(f"Exception while connecting: {e}")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.wire = Wire(sock)
        if sslmode in ("require", "verify-full"):
            self.start_tls(host, sslmode, r.get("sslrootcert"))
        self.wire.send(self.startup_message(user, dbname, r))
        self.authenticate(user, r.get("password"))
        # BackendKeyData (optional), ParameterStatus..., ReadyForQuery
        while True:
            code, payload = self.wire.read()
            if code == "K":
                continue
            if code == "Z":
                self.status = chr(payload[0])
                break
            self.background(code, payload, connecting=True)
        self.load_types()

    def start_tls(self, host, sslmode, rootcert):
        # NpgsqlConnector.RawOpen: SSLRequest, one byte S or N, then the TLS handshake.
        self.wire.send(struct.pack("!ii", 8, 80877103))
        answer = chr(self.wire.read_byte())
        if answer == "N":
            raise Failure("SSL connection requested. No SSL enabled connection from this host is configured.")
        if answer != "S":
            raise Failure(f"Received unknown response {answer} for SSLRequest (expecting S or N)")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self.version == "4.0":
            # 4.0's default validation callback accepts only certificates without any
            # policy error (chain and name), Require or not; its own TLS client
            # (Npgsql.Tls.TlsClientStream, UseSslStream=false) speaks TLS 1.2.
            # 4.0 has no VerifyFull: verify-full is taken as its Require.
            context.maximum_version = ssl.TLSVersion.TLSv1_2
            verify = True
        else:
            # Current Npgsql: Require encrypts without validating; VerifyFull checks
            # the chain against Root Certificate and the host name.
            verify = sslmode == "verify-full"
        if verify:
            if rootcert:
                context.load_verify_locations(cafile=rootcert)
            else:
                context.load_default_certs()
            context.check_hostname = True
            context.verify_mode = ssl.CERT_REQUIRED
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            tls = context.wrap_socket(self.wire.sock, server_hostname=host)
        except (ssl.SSLError, ssl.CertificateError, OSError) as e:
            raise Failure(f"The remote certificate is invalid or the TLS handshake failed: {e}")
        self.wire.sock = tls
        self.tls = tls
        self.secure = True

    def startup_message(self, user, dbname, r):
        # 4.0: NpgsqlConnector.WriteStartupMessage (src/Npgsql/NpgsqlConnector.cs, 4.0.x):
        #   user, client_encoding, database, [application_name], [search_path],
        #   [ssl_renegotiation_limit=0 over SSL], [TimeZone (Timezone or PGTZ)].
        # current: src/Npgsql/Internal/NpgsqlConnector.cs WriteStartupMessage:
        #   user, client_encoding, database, [application_name], [search_path],
        #   [TimeZone], [options (Options or PGOPTIONS)].
        encoding = r.get("client_encoding") or os.environ.get("PGCLIENTENCODING") or "UTF8"
        pairs = [("user", user), ("client_encoding", encoding), ("database", dbname)]
        if r.get("application_name"):
            pairs.append(("application_name", r["application_name"]))
        if r.get("search_path"):
            pairs.append(("search_path", r["search_path"]))
        timezone = r.get("timezone") or os.environ.get("PGTZ")
        if self.version == "4.0":
            if self.secure:
                pairs.append(("ssl_renegotiation_limit", "0"))
            if timezone is not None:
                pairs.append(("TimeZone", timezone))
        else:
            if timezone is not None:
                pairs.append(("TimeZone", timezone))
            options = r.get("options") or os.environ.get("PGOPTIONS")
            if options:
                pairs.append(("options", options))
        body = struct.pack("!i", 196608) + b"".join(cstr(k) + cstr(v) for k, v in pairs) + b"\0"
        return struct.pack("!i", len(body) + 4) + body

    def read_auth(self):
        code, payload = self.wire.read()
        while code in ("N", "S"):
            self.background(code, payload, connecting=True)
            code, payload = self.wire.read()
        if code == "E":
            fields = parse_error(payload)
            raise Failure(fields.get("M", ""), fields.get("C"))
        if code != "R":
            raise Failure(f"Received backend message {code} while expecting AuthenticationRequestMessage. "
                          "Please file a bug.")
        (kind,) = struct.unpack("!i", payload[:4])
        return kind, payload[4:]

    def authenticate(self, user, password):
        kind, data = self.read_auth()
        if kind == 0:
            return
        if kind == 3:  # cleartext
            if password is None:
                raise Failure("No password has been provided but the backend requires one (in cleartext)")
            self.wire.send(message(b"p", cstr(password)))
        elif kind == 5:  # MD5
            if password is None:
                raise Failure("No password has been provided but the backend requires one (in MD5)")
            inner = hashlib.md5((password + user).encode("utf-8")).hexdigest()
            outer = hashlib.md5(inner.encode("ascii") + data[:4]).hexdigest()
            self.wire.send(message(b"p", cstr("md5" + outer)))
        elif kind == 10:  # SASL
            mechanisms = [m.decode("utf-8") for m in data.split(b"\0") if m]
            self.scram(mechanisms, password)
            return
        else:
            raise Failure(f"Authentication method not supported (Received: {kind})")
        kind, _ = self.read_auth()
        if kind != 0:
            raise Failure(f"Authentication method not supported (Received: {kind})")

    def scram(self, mechanisms, password):
        # 4.0: src/Npgsql/NpgsqlConnector.Auth.cs AuthenticateSASL: SCRAM-SHA-256 only,
        #      gs2 header "n,,", c=biws.
        # current: src/Npgsql/Internal/NpgsqlConnector.Auth.cs AuthenticateSASL:
        #      SCRAM-SHA-256-PLUS with tls-server-end-point when offered and the
        #      certificate's hash is known; otherwise SCRAM-SHA-256 with "n" when
        #      PLUS was offered (binding failed), "y" when it was not.
        has_plain = "SCRAM-SHA-256" in mechanisms
        has_plus = "SCRAM-SHA-256-PLUS" in mechanisms
        mechanism = cbind_flag = cbind = None
        if self.version == "4.0":
            if not has_plain:
                raise Failure("No supported SASL mechanism found (only SCRAM-SHA-256 is supported for now). "
                              "Mechanisms received from server: " + ", ".join(mechanisms))
            mechanism, cbind_flag, cbind = "SCRAM-SHA-256", "n", "biws"
        else:
            if not has_plain and not has_plus:
                raise Failure("No supported SASL mechanism found (only SCRAM-SHA-256 and SCRAM-SHA-256-PLUS "
                              "are supported for now). Mechanisms received from server: " + ", ".join(mechanisms))
            if has_plus and self.tls is not None:
                der = self.tls.getpeercert(binary_form=True)
                algorithm = SIGNATURE_HASHES.get(der_signature_algorithm(der) or "") if der else None
                if algorithm:
                    mechanism = "SCRAM-SHA-256-PLUS"
                    cbind_flag = "p=tls-server-end-point"
                    digest = hashlib.new(algorithm, der).digest()
                    cbind = base64.b64encode(f"{cbind_flag},,".encode() + digest).decode()
            if mechanism is None:
                if not has_plain:
                    raise Failure("Unable to bind to SCRAM-SHA-256-PLUS, check logs for more information")
                mechanism = "SCRAM-SHA-256"
                cbind_flag, cbind = ("n", "biws") if has_plus else ("y", "eSws")
        if password is None:
            raise Failure(f"No password has been provided but the backend requires one (in SASL/{mechanism})")
        nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        first_bare = f"n=*,r={nonce}"
        first = f"{cbind_flag},,{first_bare}".encode()
        self.wire.send(message(b"p", cstr(mechanism) + struct.pack("!i", len(first)) + first))
        kind, data = self.read_auth()
        if kind != 11:
            raise Failure("[SASL] AuthenticationSASLContinue message expected")
        server_first = data.decode("utf-8")
        attrs = dict(part.split("=", 1) for part in server_first.split(","))
        server_nonce, salt, iterations = attrs["r"], attrs["s"], int(attrs["i"])
        if not server_nonce.startswith(nonce):
            raise Failure("[SCRAM] Malformed SCRAMServerFirst message: server nonce doesn't start with client nonce")
        salted = sasl_hi(unicodedata.normalize("NFKC", password).encode("utf-8"),
                         base64.b64decode(salt), iterations)
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        final_without_proof = f"c={cbind},r={server_nonce}"
        auth_message = f"{first_bare},r={server_nonce},s={salt},i={iterations},{final_without_proof}".encode()
        signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        server_signature = base64.b64encode(hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
        self.wire.send(message(b"p", f"{final_without_proof},p={proof}".encode()))
        kind, data = self.read_auth()
        if kind != 12:
            raise Failure("[SASL] AuthenticationSASLFinal message expected")
        final = dict(part.split("=", 1) for part in data.decode("utf-8").split(",") if "=" in part)
        if final.get("v") != server_signature:
            raise Failure("[SCRAM] Unable to verify server signature")
        kind, _ = self.read_auth()
        if kind != 0:
            raise Failure("[SASL] Expected AuthenticationOK message")

    def background(self, code, payload, connecting=False):
        """Messages that can come at any time: notices, ParameterStatus."""
        if code == "S":
            name, value = payload.split(b"\0")[:2]
            self.params[name.decode("utf-8")] = value.decode("utf-8")
            self.integer_datetimes = self.params.get("integer_datetimes") == "on"
            return
        if code in ("N", "A"):
            return
        if code == "E":
            fields = parse_error(payload)
            raise Failure(fields.get("M", ""), fields.get("C"))
        if connecting:
            raise Failure(f"Received backend message {code} while expecting ReadyForQuery. Please file a bug.")
        raise Failure(f"Received unexpected backend message {code}. Please file a bug.")

    # -- type loading ---------------------------------------------------------

    def nl(self, text):
        return text.replace("\n", "\r\n") if self.newline == "crlf" else text

    def load_types(self):
        if "server_version" not in self.params:
            raise Failure("The given key 'server_version' was not present in the dictionary.")
        version = parse_server_version(self.params["server_version"])
        self.server_version = version
        with_range = version >= (9, 2)
        with_multirange = version >= (14, 0)
        with_enum = version >= (8, 3)
        enum_sort = version >= (9, 1)
        self.types = {}
        if self.version == "4.0":
            self.load_types_4_0(with_range, with_enum, enum_sort)
        else:
            self.load_types_current(with_range, with_multirange, with_enum, enum_sort)

    def add_type(self, t):
        self.types[t.oid] = t

    def remove_type(self, oid):
        self.types.pop(oid, None)

    def load_types_4_0(self, with_range, with_enum, enum_sort):
        enum_block = NPGSQL4_ENUM_BLOCK.format(sort_order=", enumsortorder" if enum_sort else "") if with_enum else ""
        text = NPGSQL4_TYPES_QUERY.format(
            range_case=NPGSQL4_RANGE_CASE if with_range else "",
            range_join=NPGSQL4_RANGE_JOIN if with_range else "",
            enum_block=enum_block)
        # NpgsqlCommand(typeLoadingQuery) { AllResultTypesAreUnknown = true }:
        # the parser splits it, each statement gets Parse/Bind(text results)/Describe/Execute.
        results = self.extended(self.nl(text), [], result_format=0)

        def column(fields, name):
            # NpgsqlDataReader.GetOrdinal: exact name first, then case-insensitive.
            for i, (fname, _oid, fmt) in enumerate(fields):
                if fname == name:
                    return i
            for i, (fname, _oid, fmt) in enumerate(fields):
                if fname.lower() == name.lower():
                    return i
            raise Failure(f"Field not found in row: {name}")

        def string(fields, row, name):
            i = column(fields, name)
            if fields[i][2] != 0:
                raise Failure(f"Type loading: column {name} came back in binary although text was requested")
            if row[i] is None:
                raise Failure(f"Type loading: column {name} is null")
            return row[i].decode("utf-8")

        def uint(fields, row, name):
            text = string(fields, row, name)
            try:
                value = int(text.strip())
            except ValueError:
                raise Failure(f"Type loading: column {name}: input string {text!r} was not in a correct format")
            if not 0 <= value <= 0xFFFFFFFF:
                raise Failure(f"Type loading: column {name}: value {text!r} was either too large or too small for a UInt32")
            return value

        expected = 3 if with_enum else 2
        if len(results) < expected:
            raise Failure(f"Type loading: expected {expected} result sets, got {len(results)}")
        fields, rows = results[0]
        for row in rows:
            ns = string(fields, row, "nspname")
            name = string(fields, row, "typname")
            oid = uint(fields, row, "oid")
            type_text = string(fields, row, "type")
            if not type_text:
                raise Failure("Type loading: Index was outside the bounds of the array (empty type)")
            kind = type_text[0]
            if kind in ("b", "p"):
                self.add_type(PgType(ns, name, oid, "b"))
            elif kind in ("a", "r"):
                element = self.types.get(uint(fields, row, "elemoid"))
                if element is not None:
                    self.add_type(PgType(ns, name, oid, kind, element))
            elif kind == "e":
                self.add_type(PgType(ns, name, oid, "e"))
            elif kind == "c":
                self.add_type(PgType(ns, name, oid, "c"))
            elif kind == "d":
                base = self.types.get(uint(fields, row, "typbasetype"))
                if base is not None:
                    self.add_type(PgType(ns, name, oid, "d", base))
            else:
                raise Failure(f"Unknown typtype for type '{name}' in pg_type: {kind}")
        # LoadCompositeFields (4.0.x with the #2020 fix: unknown types are skipped)
        fields, rows = results[1]
        current, skip = None, False
        for row in rows:
            oid = uint(fields, row, "oid")
            if current is None or oid != current.oid:
                t = self.types.get(oid)
                current = t if t is not None else PgType("", "", oid, "c")
                skip = t is None or t.kind != "c"
                if skip:
                    self.remove_type(oid)
                    continue
            if skip:
                continue
            attname = string(fields, row, "attname")
            field_type = self.types.get(uint(fields, row, "atttypid"))
            if field_type is None:
                self.remove_type(oid)
                skip = True
                continue
            current.fields.append((attname, field_type))
        if with_enum:
            fields, rows = results[2]
            current, skip = None, False
            for row in rows:
                oid = uint(fields, row, "oid")
                if current is None or oid != current.oid:
                    t = self.types.get(oid)
                    current = t if t is not None else PgType("", "", oid, "e")
                    skip = t is None or t.kind != "e"
                    if skip:
                        self.remove_type(oid)
                        continue
                if skip:
                    continue
                current.labels.append(string(fields, row, "enumlabel"))

    def load_types_current(self, with_range, with_multirange, with_enum, enum_sort):
        types_query = CURRENT_TYPES_QUERY.format(
            range_case=CURRENT_RANGE_CASE if with_range else "",
            multirange_case=CURRENT_MULTIRANGE_CASE if with_multirange else "",
            range_join=CURRENT_RANGE_JOIN if with_range else "")
        parts = [CURRENT_VERSION_QUERY, types_query, CURRENT_COMPOSITES_QUERY]
        if with_enum:
            parts.append(CURRENT_ENUMS_QUERY.format(sort_order=", enumsortorder" if enum_sort else ""))
        # StringBuilder.AppendLine each, sent as one Query message.
        newline = "\r\n" if self.newline == "crlf" else "\n"
        batch = "".join(self.nl(p) + newline for p in parts)
        self.wire.send(message(b"Q", cstr(batch)))
        error = None
        messages = []
        while True:
            code, payload = self.wire.read()
            if code == "Z":
                self.status = chr(payload[0])
                break
            if code == "E":
                if error is None:
                    error = parse_error(payload)
                continue
            if code in ("N", "S", "A"):
                self.background(code, payload)
                continue
            messages.append((code, payload))
        if error is not None:
            raise Failure(error.get("M", ""), error.get("C"))
        stream = iter(messages)

        def expect(wanted, what):
            try:
                code, payload = next(stream)
            except StopIteration:
                raise Failure(f"Type loading: the answer ended while expecting {what}")
            if code != wanted:
                raise Failure(f"Received backend message {code} while expecting {what}. Please file a bug.")
            return payload

        def rows_of(width, what):
            # Npgsql reads each DataRow positionally, skipping the column count.
            expect("T", "RowDescriptionMessage")
            rows = []
            while True:
                try:
                    code, payload = next(stream)
                except StopIteration:
                    raise Failure(f"Type loading: the answer ended while reading {what}")
                if code != "D":
                    if code != "C":
                        raise Failure(f"Received backend message {code} while expecting CommandCompleteMessage. "
                                      "Please file a bug.")
                    return rows
                row = data_row(payload)
                if len(row) != width:
                    raise Failure(f"Type loading ({what}): Npgsql reads {width} columns by position, "
                                  f"the row has {len(row)}")
                rows.append(row)

        def text(value, what):
            if value is None:
                raise Failure(f"Type loading: null where Npgsql reads a non-nullable string ({what})")
            return value.decode("utf-8")

        def uint(value, what):
            s = text(value, what)
            try:
                number = int(s)
            except ValueError:
                raise Failure(f"Type loading: {what} {s!r}: the input string was not in a correct format")
            if not 0 <= number <= 0xFFFFFFFF:
                raise Failure(f"Type loading: {what} {s!r} was either too large or too small for a UInt32")
            return number

        # SELECT version(): exactly one row, then CommandComplete.
        expect("T", "RowDescriptionMessage")
        row = data_row(expect("D", "DataRowMessage"))
        if not row:
            raise Failure("Type loading: version() row has no column")
        self.long_version = text(row[0], "version")
        expect("C", "CommandCompleteMessage")
        for row in rows_of(6, "types"):
            ns = text(row[0], "nspname")
            oid = uint(row[1], "oid")
            name = text(row[2], "typname")
            kind_text = text(row[3], "typtype")
            notnull_text = text(row[4], "typnotnull")
            if not kind_text or not notnull_text:
                raise Failure("Type loading: Index was outside the bounds of the array")
            kind = kind_text[0]
            notnull = notnull_text[0] == "t"
            elem = 0 if row[5] is None else uint(row[5], "elemtypoid")
            if kind in ("b", "p"):
                self.add_type(PgType(ns, name, oid, "b"))
            elif kind in ("a", "r", "d"):
                element = self.types.get(elem)
                if element is not None:
                    self.add_type(PgType(ns, name, oid, kind, element, notnull and kind == "d"))
            elif kind == "m":
                element = self.types.get(elem)
                if element is not None and element.kind == "r":
                    self.add_type(PgType(ns, name, oid, "m", element))
            elif kind == "e":
                self.add_type(PgType(ns, name, oid, "e"))
            elif kind == "c":
                self.add_type(PgType(ns, name, oid, "c"))
            else:
                raise Failure(f"Unknown typtype for type '{name}' in pg_type: {kind}")
        current_oid, current, skip = None, None, False
        for row in rows_of(3, "composite fields"):
            oid = uint(row[0], "oid")
            attname = text(row[1], "attname")
            atttypid = uint(row[2], "atttypid")
            if oid != current_oid:
                current_oid = oid
                current = self.types.get(oid)
                skip = current is None or current.kind != "c"
                if skip:
                    self.remove_type(oid)
                    continue
            if skip:
                continue
            field_type = self.types.get(atttypid)
            if field_type is None:
                self.remove_type(oid)
                skip = True
                continue
            current.fields.append((attname, field_type))
        if with_enum:
            current_oid, current, skip = None, None, False
            for row in rows_of(2, "enum labels"):
                oid = uint(row[0], "oid")
                label = text(row[1], "enumlabel")
                if oid != current_oid:
                    current_oid = oid
                    current = self.types.get(oid)
                    skip = current is None or current.kind != "e"
                    if skip:
                        self.remove_type(oid)
                        continue
                if skip:
                    continue
                current.labels.append(label)
        leftover = next(stream, None)
        if leftover is not None:
            raise Failure(f"Received backend message {leftover[0]} while expecting ReadyForQueryMessage. "
                          "Please file a bug.")

    # -- commands -------------------------------------------------------------

    def extended(self, sql, params, result_format):
        """NpgsqlCommand.ExecuteReader, not prepared: per statement Parse (unnamed),
        Bind (unnamed portal), Describe portal, Execute (no row limit); one Sync.
        Returns [(fields, rows)] for the statements that described rows."""
        scs = self.params.get("standard_conforming_strings", "on") == "on"
        if self.version == "4.0" or not params:
            # 4.0: SqlQueryParser splits on semicolons and binds only named
            # parameters (@p/:p) that exist on the command; the unnamed parameters
            # of a $1-style command are bound to no statement, so none are sent.
            # current, no parameters: the legacy-batching parser splits likewise.
            statements = [(s, []) for s in split_statements(sql, scs)]
        else:
            # current, positional (unnamed) parameters: raw mode, the text is sent
            # as it is with all parameters.
            statements = [(sql, params)]
        out = bytearray()
        for text, values in statements:
            oids, encoded = [], []
            for v in values:
                oid, data = encode_param(v)
                oids.append(oid)
                encoded.append(data)
            out += message(b"P", b"\0" + cstr(text) + struct.pack("!h", len(oids))
                           + b"".join(struct.pack("!I", o) for o in oids))
            bind = b"\0\0"  # portal "", statement ""
            # Parameter format codes: none when there are no parameters, one
            # (binary) when all are binary -- as BindMessage writes them.
            bind += struct.pack("!h", 1 if encoded else 0) + (struct.pack("!h", 1) if encoded else b"")
            bind += struct.pack("!h", len(encoded))
            for data in encoded:
                bind += struct.pack("!i", -1) if data is None else struct.pack("!i", len(data)) + data
            bind += struct.pack("!hh", 1, result_format)
            out += message(b"B", bind)
            out += message(b"D", b"P\0")
            out += message(b"E", b"\0" + struct.pack("!i", 0))
        out += message(b"S")
        self.wire.send(bytes(out))
        results = []
        error = None
        fields = None
        rows = None
        while True:
            code, payload = self.wire.read()
            if code == "Z":
                self.status = chr(payload[0])
                break
            if error is not None:
                continue
            if code == "E":
                error = parse_error(payload)
            elif code in ("1", "2", "n"):
                if code == "n":
                    fields, rows = None, None
            elif code == "T":
                fields, rows = row_description(payload), []
            elif code == "D":
                if rows is None:
                    error = {"M": "Received DataRow without RowDescription"}
                else:
                    rows.append(data_row(payload))
            elif code in ("C", "I"):
                if fields is not None:
                    results.append((fields, rows))
                fields, rows = None, None
            elif code == "s":
                error = {"M": "Unimplemented message: PortalSuspended"}
            elif code in ("N", "S", "A"):
                self.background(code, payload)
            else:
                error = {"M": f"Received unexpected backend message {code}. Please file a bug."}
        if error is not None:
            raise Failure(error.get("M", ""), error.get("C"))
        return results

    def query(self, sql, params):
        """The first result set's column names, type OIDs and values."""
        results = self.extended(sql, params, result_format=1)
        if not results:
            return [], [], []
        # The reader shows the first result set; Program.cs reads only that one.
        fields, rows = results[0]
        decoder = Decoder(self)
        out = []
        for row in rows:
            cells = []
            for (name, oid, fmt), raw in zip(fields, row):
                if raw is None:
                    cells.append(None)
                elif fmt == 0:
                    # A text-format field gets Npgsql's "unrecognized" handler: a string.
                    cells.append(raw.decode("utf-8"))
                else:
                    cells.append(decoder.by_oid(oid, raw, name))
            out.append(cells)
        return [f[0] for f in fields], [f[1] for f in fields], out

    def simple(self, sql):
        self.wire.send(message(b"Q", cstr(sql)))
        error = None
        while True:
            code, payload = self.wire.read()
            if code == "Z":
                self.status = chr(payload[0])
                break
            if code == "E" and error is None:
                error = parse_error(payload)
            elif code in ("N", "S", "A"):
                self.background(code, payload)
        if error is not None:
            raise Failure(error.get("M", ""), error.get("C"))

    def reset(self):
        if self.wire is None:
            raise Failure("Connection is not open")
        if self.status in ("T", "E"):
            self.simple(ROLLBACK)
        self.simple(DISCARD_ALL)

    def metadata(self, call):
        if self.wire is None:
            raise Failure("Connection is not open")
        if call == "dataset_types":
            # Every type a column of the served tables has, and whether the type
            # list Npgsql loaded at connect knows it (it can't read the column otherwise).
            _, _, rows = self.query(DATASET_TYPES, [])
            return replay_table(["type", "loaded"],
                                [[name, str(int(oid) in self.types).lower()] for name, oid in rows])
        if call != "types":
            raise NotSupported(f"not supported: metadata call {call!r} (the replay reports the loaded types only)")
        columns = ["nspname", "typname", "oid", "kind", "element_or_base", "detail"]
        return replay_table(columns, [self.types[oid].row() for oid in sorted(self.types)])

    def close(self):
        if self.wire is not None:
            try:
                self.wire.send(message(b"X"))
            except OSError:
                pass
            try:
                self.wire.sock.close()
            except OSError:
                pass
        self.wire = None
        self.tls = None
        self.secure = False
        self.types = {}


def replay_table(columns, rows):
    """A table the replay builds itself (no RowDescription): every column text."""
    return columns, ["replay:text"] * len(columns), rows


def encode_param(value):
    """An NpgsqlParameter's type OID and binary value, inferred from the CLR value
    Program.cs makes of the JSON (long, double, bool, string; null -> DBNull)."""
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return 16, b"\x01" if value else b"\x00"
    if isinstance(value, int):
        return 20, struct.pack("!q", value)
    if isinstance(value, float):
        return 701, struct.pack("!d", value)
    return 25, str(value).encode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", required=True, choices=["4.0", "current"])
    parser.add_argument("--newline", choices=["crlf", "lf"])
    args = parser.parse_args()
    newline = args.newline or ("crlf" if args.version == "4.0" else "lf")
    client = Npgsql(args.version, newline)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = request["op"]
            if op == "connect":
                try:
                    client.connect(request)
                except Exception:
                    client.close()
                    raise
                reply = {"ok": True}
            elif op == "query":
                if client.wire is None:
                    raise Failure("Connection is not open")
                columns, types, rows = client.query(request["sql"], request.get("params") or [])
                reply = {"ok": True, "columns": columns, "types": types, "rows": rows}
            elif op == "metadata":
                columns, types, rows = client.metadata(request.get("call"))
                reply = {"ok": True, "columns": columns, "types": types, "rows": rows}
            elif op == "reset":
                client.reset()
                reply = {"ok": True}
            elif op == "version":
                reply = {"ok": True, "driver": "Npgsql (wire replay)", "version": args.version}
            elif op == "close":
                client.close()
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": {"sqlstate": None, "message": f"not supported: {op}"}}
        except Failure as error:
            reply = {"ok": False, "error": {"sqlstate": error.sqlstate, "message": str(error)}}
        except Exception as error:  # a broken answer, a lost connection: Npgsql breaks the connector
            if isinstance(error, OSError):
                client.wire = None
            reply = {"ok": False, "error": {"sqlstate": None, "message": f"{type(error).__name__}: {error}"}}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
