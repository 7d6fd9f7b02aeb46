/*
 * pgclient: a minimal libpq client for benches/e2e/bench.py.
 *
 * psycopg turns every value into a Python object and tops out at roughly
 * 650k rows/s on a 2-core machine, against any server, so a full scan through
 * it mostly measures the client. This client only lets libpq parse each row
 * and reads the value lengths: about half of psycopg's CPU per row. bench.py
 * runs it against every server, so its ratios stay same-client.
 *
 *   pgclient --version                          -> {"libpq":150018}
 *   pgclient CONNINFO scan SQL text|binary      -> {"rows":N,"seconds":S,"bytes":B}
 *   pgclient CONNINFO loop-select1 ITERS SECONDS       -> {"iters":N,"seconds":S}
 *   pgclient CONNINFO loop-point ITERS SECONDS MAXID   -> {"iters":N,"seconds":S}
 *   pgclient CONNINFO churn ITERS SECONDS              -> {"iters":N,"seconds":S}
 *
 * scan: SQL once; seconds = from sending the query to the last row.
 * loop-select1: "SELECT 1" over the simple protocol (PQexec), one connection.
 * loop-point: "SELECT * FROM bench WHERE id = $1" prepared once (int8) and
 *   executed with pseudo-random ids in 1..MAXID (the same ids every run).
 * churn: connect, "SELECT 1", disconnect.
 * A loop runs its step once untimed, then ITERS times or until SECONDS have
 * passed, whichever comes first.
 *
 * A libpq error or a wrong answer is printed to stderr, exit status 1;
 * bad arguments exit with status 2.
 *
 * Build: gcc -O2 -I/usr/include/postgresql -o pgclient pgclient.c -lpq
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INT8OID 20

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

_Noreturn static void die(const char *what, const char *msg)
{
	fprintf(stderr, "pgclient: %s: %s", what, msg);
	if (!*msg || msg[strlen(msg) - 1] != '\n')
		fputc('\n', stderr);
	exit(1);
}

static PGconn *connect_db(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
		die("connect", PQerrorMessage(conn));
	return conn;
}

/* Exits unless r has status `want`; returns r (the caller frees it). */
static PGresult *expect(PGresult *r, ExecStatusType want, PGconn *conn, const char *what)
{
	if (r == NULL)
		die(what, PQerrorMessage(conn));
	if (PQresultStatus(r) != want)
		die(what, PQresultErrorMessage(r));
	return r;
}

/* Exits unless r holds exactly one row whose first column is `value` (text). */
static void expect_one_row(PGresult *r, const char *value, const char *what)
{
	if (PQntuples(r) != 1 || strcmp(PQgetvalue(r, 0, 0), value) != 0)
		die(what, "unexpected answer");
}

/*
 * scan: runs sql once (extended protocol, result format 0 = text or
 * 1 = binary) and reads every row, touching every value's length.
 *
 * Single-row mode, not one PGresult for the whole answer (as PQexecParams
 * builds): measured with 2 M rows x 8 columns against PostgreSQL 15 and
 * DataPress on 2 cores, the whole result took 490 MB (text) / 530 MB (binary)
 * of client RSS and was slower (3.2-4.4 s against 2.2-4.0 s), mostly page
 * faults (1.2-1.6 s of system time). Single-row mode allocates a small
 * PGresult per row, but malloc reuses the freed block: 8 MB of RSS and about
 * 0.6 us of client CPU per row, half of psycopg's. libpq 15 has no chunked
 * mode, and a server-side cursor (DECLARE) is not something every server
 * under test supports.
 */
static void scan(PGconn *conn, const char *sql, int binary)
{
	long long rows = 0, bytes = 0;
	double t0 = now();
	if (!PQsendQueryParams(conn, sql, 0, NULL, NULL, NULL, NULL, binary))
		die("send", PQerrorMessage(conn));
	if (!PQsetSingleRowMode(conn))
		die("single-row mode", PQerrorMessage(conn));
	/* One PGRES_SINGLE_TUPLE result per row, then an empty PGRES_TUPLES_OK. */
	PGresult *r;
	while ((r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK)
			die("scan", PQresultErrorMessage(r));
		int nrows = PQntuples(r), ncols = PQnfields(r);
		for (int i = 0; i < nrows; i++)
			for (int c = 0; c < ncols; c++)
				bytes += PQgetlength(r, i, c);
		rows += nrows;
		PQclear(r);
	}
	double el = now() - t0;
	printf("{\"rows\":%lld,\"seconds\":%.6f,\"bytes\":%lld}\n", rows, el, bytes);
}

/* What a loop step needs: the open connection (churn: the conninfo), maxid for loop-point. */
typedef struct {
	PGconn *conn;
	const char *conninfo;
	long maxid;
} loop_ctx;

typedef void (*step_fn)(loop_ctx *ctx, long i);

static void select1(PGconn *conn)
{
	PGresult *r = expect(PQexec(conn, "SELECT 1"), PGRES_TUPLES_OK, conn, "SELECT 1");
	expect_one_row(r, "1", "SELECT 1");
	PQclear(r);
}

static void step_select1(loop_ctx *ctx, long i)
{
	(void)i;
	select1(ctx->conn);
}

/* Point query for a pseudo-random id in 1..maxid, derived from i alone. */
static void step_point(loop_ctx *ctx, long i)
{
	uint64_t x = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15u;
	x ^= x >> 31;
	char id[24];
	snprintf(id, sizeof id, "%llu", (unsigned long long)(x % (uint64_t)ctx->maxid + 1));
	const char *params[1] = { id };
	PGresult *r = expect(PQexecPrepared(ctx->conn, "point", 1, params, NULL, NULL, 0),
			     PGRES_TUPLES_OK, ctx->conn, "point query");
	expect_one_row(r, id, "point query");
	PQclear(r);
}

static void step_churn(loop_ctx *ctx, long i)
{
	(void)i;
	PGconn *conn = connect_db(ctx->conninfo);
	select1(conn);
	PQfinish(conn);
}

/* Runs step once untimed (warm-up), then up to iters times or until secs have passed. */
static void timed_loop(step_fn step, loop_ctx *ctx, long iters, double secs)
{
	step(ctx, 0);
	long n = 0;
	double t0 = now(), el = 0;
	while (n < iters) {
		step(ctx, n++);
		el = now() - t0;
		if (el > secs)
			break;
	}
	printf("{\"iters\":%ld,\"seconds\":%.6f}\n", n, el);
}

_Noreturn static void usage(void)
{
	fprintf(stderr,
		"usage: pgclient --version\n"
		"       pgclient CONNINFO scan SQL text|binary\n"
		"       pgclient CONNINFO loop-select1|churn ITERS SECONDS\n"
		"       pgclient CONNINFO loop-point ITERS SECONDS MAXID\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("{\"libpq\":%d}\n", PQlibVersion());
		return 0;
	}
	if (argc < 5)
		usage();
	const char *mode = argv[2];
	loop_ctx ctx = { .conninfo = argv[1] };

	if (argc == 5 && strcmp(mode, "scan") == 0) {
		int binary = strcmp(argv[4], "binary") == 0;
		if (!binary && strcmp(argv[4], "text") != 0)
			usage();
		ctx.conn = connect_db(ctx.conninfo);
		scan(ctx.conn, argv[3], binary);
		PQfinish(ctx.conn);
		return 0;
	}

	step_fn step;
	long iters = atol(argv[3]);
	if (argc == 5 && strcmp(mode, "loop-select1") == 0)
		step = step_select1;
	else if (argc == 5 && strcmp(mode, "churn") == 0)
		step = step_churn;
	else if (argc == 6 && strcmp(mode, "loop-point") == 0 && (ctx.maxid = atol(argv[5])) >= 1)
		step = step_point;
	else
		usage();
	if (iters < 1)
		usage();
	if (step != step_churn)
		ctx.conn = connect_db(ctx.conninfo);
	if (step == step_point) {
		Oid types[1] = { INT8OID };
		PQclear(expect(PQprepare(ctx.conn, "point", "SELECT * FROM bench WHERE id = $1", 1, types),
			       PGRES_COMMAND_OK, ctx.conn, "prepare"));
	}
	timed_loop(step, &ctx, iters, atof(argv[4]));
	PQfinish(ctx.conn); /* NULL for churn: a no-op */
	return 0;
}
