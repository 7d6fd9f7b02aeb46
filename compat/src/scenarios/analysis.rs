//! Analysis SQL: the shapes BI tools generate for charts and reports, where
//! DataFusion's meaning of a name or a rule once differed from PostgreSQL's
//! and gave a silently wrong answer. Every answer is compared exactly:
//! values, column names and type OIDs.

use super::{Case, Setup};
use crate::clients::Step;

/// One case per family, each a few statements.
pub fn cases() -> Vec<Case> {
    let setup = Setup::Password("cleartext");
    let case = |name: &str, sql: &[&str]| {
        Case::new(name, setup, sql.iter().map(|q| Step::query(q)).collect())
    };
    vec![
        case(
            "subqueries over no rows",
            &[
                // An aggregate over no rows still has its value (count 0, not NULL).
                "SELECT a.id, (SELECT count(*) FROM accidents b WHERE b.city = a.city AND a.id < 0) AS n \
                 FROM accidents a WHERE a.id <= 3 ORDER BY a.id",
                "SELECT a.id, (SELECT max(b.id) FROM accidents b WHERE b.city = a.city AND a.id < 0) AS m \
                 FROM accidents a WHERE a.id <= 3 ORDER BY a.id",
                // ARRAY() of no rows is an empty array.
                "SELECT a.id, ARRAY(SELECT b.id FROM accidents b WHERE b.id = a.id AND a.id < 0) AS ids \
                 FROM accidents a WHERE a.id <= 3 ORDER BY a.id",
            ],
        ),
        case(
            "type names",
            &[
                // `float` is double precision; `float(p)` up to 24 bits is real.
                "SELECT CAST(lat AS float) AS f, lon::float(10) AS r, lat::float(25) AS d \
                 FROM accidents ORDER BY id LIMIT 3",
                "SELECT avg(CAST(injuries AS float)) / 3 AS ratio FROM accidents",
            ],
        ),
        case(
            "multiset operations",
            &[
                "SELECT vehicles AS v FROM accidents WHERE id <= 40 \
                 EXCEPT ALL SELECT injuries FROM accidents WHERE id <= 40 ORDER BY 1",
                "SELECT vehicles AS v FROM accidents WHERE id <= 40 \
                 INTERSECT ALL SELECT vehicles FROM accidents WHERE id BETWEEN 30 AND 45 ORDER BY 1",
            ],
        ),
        case(
            "FETCH FIRST",
            &[
                "SELECT id FROM accidents ORDER BY id OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY",
                "SELECT id FROM accidents ORDER BY id FETCH FIRST ROW ONLY",
            ],
        ),
        case(
            "to_char, to_date, to_timestamp",
            &[
                // PG's template patterns, not strftime's.
                "SELECT to_char(occurred_at, 'YYYY-MM') AS month, count(*) AS n FROM accidents \
                 GROUP BY 1 ORDER BY 1 LIMIT 4",
                "SELECT to_char(occurred_at, 'FMDay, DD FMMonth YYYY HH12:MI:SS AM') AS t, \
                 to_char(occurred_at, 'IYYY-IW \"Q\"Q DDD') AS w FROM accidents ORDER BY id LIMIT 3",
                "SELECT to_char(lat, 'FM990.000') AS la, to_char(injuries, '000') AS i, \
                 to_char(vehicles * 1234567, '9,999,999,999') AS v, \
                 to_char(occurred_on, 'YYYY-MM-DD') AS d FROM accidents ORDER BY id LIMIT 3",
                "SELECT to_date('2024-02-29', 'YYYY-MM-DD') AS d, \
                 to_timestamp('2024-02-29 13:45', 'YYYY-MM-DD HH24:MI') AS ts, \
                 to_timestamp(1700000000.5) AS epoch",
                "SELECT to_date('2024-13-01', 'YYYY-MM-DD') AS bad",
            ],
        ),
        case(
            "date_trunc of a date",
            &[
                "SELECT date_trunc('month', occurred_on) AS m, count(*) AS n FROM accidents \
                 GROUP BY 1 ORDER BY 1 LIMIT 4",
                "SELECT date_trunc('year', occurred_on) AS y FROM accidents ORDER BY id LIMIT 2",
            ],
        ),
        case(
            "date_trunc in the session's TimeZone",
            &[
                // Days, weeks and months begin where the client is (pgjdbc sends
                // the JVM's zone at startup), and a date is midnight there.
                "SET TimeZone = 'America/New_York'",
                "SELECT date_trunc('month', occurred_on) AS m, count(*) AS n FROM accidents \
                 GROUP BY 1 ORDER BY 1 LIMIT 4",
                "SELECT date_trunc('day', timestamptz '2024-03-10 12:00:00-04') AS d, \
                 date_trunc('week', timestamptz '2024-03-10 12:00:00-04') AS w, \
                 date_trunc('month', timestamptz '2024-03-01 02:00:00+00') AS m, \
                 date_trunc('hour', timestamptz '2024-03-10 12:34:56+00') AS h",
            ],
        ),
        case(
            "timestamptz and local time in the session's TimeZone",
            &[
                // Local time (text, timestamp, date) is read as an instant there,
                // and an instant is written as local time there.
                "SET TimeZone = 'America/New_York'",
                "SELECT occurred_at::timestamptz AS at, occurred_on::timestamptz AS midnight, \
                 (occurred_at::timestamptz + interval '3 hours')::date AS later_date, \
                 (occurred_at::timestamptz)::timestamp AS back FROM accidents ORDER BY id LIMIT 3",
                "SELECT count(*) AS n FROM accidents \
                 WHERE occurred_at::timestamptz >= '2024-03-10 00:00:00'",
                "SELECT extract(hour FROM occurred_at::timestamptz) AS h, \
                 date_part('day', timestamptz '2024-03-10 03:00:00+00') AS d, \
                 extract(epoch FROM timestamptz '2024-03-10 03:00:00+00') AS e \
                 FROM accidents ORDER BY id LIMIT 3",
                // Today is the date where the session is (UTC+14: a day ahead of
                // UTC for 14 hours of every day).
                "SET TimeZone = 'Pacific/Kiritimati'",
                "SELECT current_date AS today, current_date - 7 AS week_ago",
                "SET TimeZone = 'America/New_York'",
                "SELECT timestamptz '2024-03-10 12:00:00' AS noon, \
                 '2024-03-10 12:00:00+02'::timestamptz AS offset_given, \
                 (timestamptz '2024-03-10 03:00:00+00')::date AS d",
            ],
        ),
    ]
}
