-- Queries on which DataPress once answered differently from PostgreSQL 15,
-- shrunk by the differential suite (`cargo run -p datapress-compat -- semantics`),
-- one per line after a comment saying what each server answered then.
-- Every run of the suite replays them first; each must now agree.
-- A scalar subquery whose outer-only condition is false: count over no rows is 0, not NULL.
SELECT a.id AS c1, (SELECT count(*) FROM accidents b WHERE b.city = a.city AND a.id > 2) AS c2 FROM accidents a WHERE a.id <= 5 ORDER BY 1
-- ARRAY() of no rows is {}, not NULL.
SELECT a.id AS c1, ARRAY(SELECT b.id FROM accidents b WHERE b.id = a.id + 1 AND a.id > 2 ORDER BY b.id) AS c2 FROM accidents a WHERE a.id <= 5 ORDER BY 1
-- seed 1: DataPress 0 rows / PostgreSQL 22 rows (a reused TopK plan kept its dynamic filter's threshold).
SELECT (- vehicles) AS c1 FROM accidents ORDER BY 1 DESC NULLS LAST LIMIT 22 OFFSET 13
-- seed 1: DataPress dropped every copy a row has on the right (EXCEPT ALL planned as an anti join).
SELECT trim(city) AS c1 FROM accidents WHERE (NOT injuries > 5) EXCEPT ALL SELECT trim(city) AS c1 FROM accidents WHERE ((- 14) % NULLIF(injuries, 0)) IS NOT NULL
-- INTERSECT ALL keeps min(m, n) copies (DataPress kept all m: a semi join).
SELECT vehicles AS c1 FROM accidents WHERE id <= 40 INTERSECT ALL SELECT vehicles AS c1 FROM accidents WHERE id BETWEEN 30 AND 45
-- seed 1: DataPress XX000 (DataFusion's common subexpression elimination and CASE nullability), PostgreSQL one row.
SELECT count(DISTINCT id) AS c1, string_agg(CASE WHEN weather >= severity THEN weather ELSE 'a' END, ',' ORDER BY CASE WHEN weather >= severity THEN weather ELSE 'a' END) AS c2 FROM accidents WHERE id < 40
-- seed 1: sum of an int4 is int8, of an int8 numeric; integer constants are int4.
SELECT CASE WHEN id = 0 THEN id ELSE (- 2) END AS c1, sum(89) AS c2, sum(id) AS c3, greatest(0, vehicles) AS c4 FROM accidents GROUP BY 1, 4
-- json_build_object is json, not text; numbers and booleans stay bare, dates and timestamps are ISO strings, NULL is null.
SELECT json_build_object('id', id, 'city', city, 'lat', lat, 'severe', injuries > 3, 'on', occurred_on, 'at', occurred_at, 'weather', weather, 'none', NULL) AS c1 FROM accidents WHERE id <= 3 ORDER BY id
-- json_build_object with no arguments is {}.
SELECT json_build_object() AS c1
-- round, trunc, ceil and floor are PostgreSQL's: a numeric result has PG's scale (ceil(2.5) is 3, not 3.0; round(x, 2) has two decimals), round(int, n) is numeric, round(int) float8.
SELECT id AS c1, round(d, 1) AS c2, trunc(d, -1) AS c3, ceil(d) AS c4, floor(d) AS c5, round(d) AS c6, round(i4, 2) AS c7, trunc(i8, 1) AS c8, round(i2) AS c9, ceil(f8) AS c10 FROM types ORDER BY id
-- round(x, n) of a decimal literal's arithmetic is numeric with n decimals.
SELECT round(1.2345, 2) AS c1, trunc(2.75, 1) AS c2, round(100.0 * count(*) / 7, 1) AS c3, round('1234.5'::numeric, (-2)::int4) AS c4, round('99.995'::numeric, 2) AS c5 FROM accidents
-- concat and concat_ws write a boolean as its output text (t, f), not as a cast does (true).
SELECT id AS c1, concat(id > 2, '-', vehicles) AS c2, concat_ws(',', injuries > 1, city, NULL) AS c3 FROM accidents WHERE id <= 3 ORDER BY id
-- array_remove and array_replace act on every equal element, not only the first.
SELECT id AS c1, array_remove(ARRAY[vehicles, 1, vehicles, 2], vehicles) AS c2, array_replace(ARRAY[city, 'x', city], city, 'y') AS c3 FROM accidents WHERE id <= 3 ORDER BY id
-- length of a bytea counts its bytes, not the characters of its hex text.
SELECT id AS c1, length(by) AS c2, length(t) AS c3 FROM types ORDER BY id
-- A quoted array compared with ANY/ALL takes the other operand's element type (DataPress: 42883, array_has of text); = ANY is NULL where the array has a NULL and no element matches (DataPress: false).
SELECT id AS c1, vehicles = ANY('{1,2}') AS c2, city = ANY('{Lille,Paris}') AS c3, vehicles <> ALL('{1,3}') AS c4, injuries > ANY('{2,4}') AS c5, vehicles = ANY('{1,NULL}') AS c6, 'r' = ANY('{r,p}') AS c7 FROM accidents WHERE id <= 6 ORDER BY id
-- format() is PostgreSQL's (%s, %I, %L, widths, booleans as t/f); DataPress had no format.
SELECT id AS c1, format('%s|%I|%L|%5s|%-3s|%2$s', weather, city, weather, id, injuries > 2) AS c2 FROM accidents WHERE id <= 6 ORDER BY id
-- regexp_split_to_array and regexp_split_to_table are PostgreSQL's (DataPress had neither): empty pieces kept, flags, one row per piece, none for NULL.
SELECT id AS c1, regexp_split_to_array(city, '[aeiou]') AS c2, regexp_split_to_array(city, 'L', 'i') AS c3, regexp_split_to_array(city, '') AS c4 FROM accidents WHERE id <= 5 ORDER BY id
SELECT w AS c1, count(*) AS c2 FROM (SELECT regexp_split_to_table(weather, 'a') AS w FROM accidents) t GROUP BY w ORDER BY 1
-- FROM unnest(…) AS k names its column k, as PostgreSQL (DataPress: 42703, the column was "UNNEST(…)").
SELECT k AS c1, count(*) AS c2 FROM accidents a CROSS JOIN unnest(ARRAY[1, 2, 3]) AS k WHERE a.id <= 4 GROUP BY k ORDER BY 1
