//! PostgreSQL's text output formats for single values, written straight into a
//! byte buffer without allocating (DateStyle ISO, IntervalStyle postgres, bytea hex).

use std::io::Write;

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Writes an integer in decimal.
pub fn write_int<I: itoa::Integer>(value: I, buf: &mut Vec<u8>) {
    let mut b = itoa::Buffer::new();
    buf.extend_from_slice(b.format(value).as_bytes());
}

/// A small stack buffer that `write!` can target, so float formatting does not allocate.
struct StackBuf {
    bytes: [u8; 64],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        StackBuf {
            bytes: [0; 64],
            len: 0,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl Write for StackBuf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&data[..n]);
        self.len += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes a float8 as PG's `float8out` does for the given `extra_float_digits`.
pub fn write_f64(value: f64, extra_float_digits: i32, buf: &mut Vec<u8>) {
    if write_non_finite(value, buf) {
        return;
    }
    if extra_float_digits > 0 {
        // Shortest round-trip digits: Ryu, the algorithm PG's float8out uses.
        let mut shortest = ryu::Buffer::new();
        write_float_parts(shortest.format_finite(value), 15, buf);
    } else {
        let mut s = StackBuf::new();
        let precision = (15 + extra_float_digits).max(1) as usize;
        let _ = write!(s, "{:.*e}", precision - 1, value);
        write_float_parts(s.as_str(), precision as i32, buf);
    }
}

/// Writes a float4 as PG's `float4out` does for the given `extra_float_digits`.
pub fn write_f32(value: f32, extra_float_digits: i32, buf: &mut Vec<u8>) {
    if write_non_finite(f64::from(value), buf) {
        return;
    }
    if extra_float_digits > 0 {
        let mut shortest = ryu::Buffer::new();
        write_float_parts(shortest.format_finite(value), 6, buf);
    } else {
        let mut s = StackBuf::new();
        let precision = (6 + extra_float_digits).max(1) as usize;
        let _ = write!(s, "{:.*e}", precision - 1, value);
        write_float_parts(s.as_str(), precision as i32, buf);
    }
}

fn write_non_finite(value: f64, buf: &mut Vec<u8>) -> bool {
    let text: &[u8] = if value.is_nan() {
        b"NaN"
    } else if value == f64::INFINITY {
        b"Infinity"
    } else if value == f64::NEG_INFINITY {
        b"-Infinity"
    } else {
        return false;
    };
    buf.extend_from_slice(text);
    true
}

/// Lays out a float's decimal text (Rust's `{:e}` output such as `-1.25e-7`,
/// or Ryu's such as `0.00012`, `123.5` or `1e16`) the way PG prints floats:
/// fixed notation when the decimal exponent is in `[-4, threshold)`, else `1.25e-07`.
fn write_float_parts(text: &str, threshold: i32, buf: &mut Vec<u8>) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len());
    // The significant digits, from the first non-zero one; the exponent is
    // corrected for where the decimal point sat relative to that digit.
    let mut digits = [0u8; 40];
    let mut n = 0;
    let mut first = None;
    for (i, b) in mantissa.bytes().filter(u8::is_ascii_digit).enumerate() {
        if first.is_none() && b == b'0' {
            continue;
        }
        first.get_or_insert(i);
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let exponent = match first {
        Some(first) => exponent + point as i32 - 1 - first as i32,
        None => {
            digits[0] = b'0';
            n = 1;
            0
        }
    };
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    let digits = &digits[..n];
    if negative {
        buf.push(b'-');
    }
    if digits == b"0" {
        buf.push(b'0');
        return;
    }
    if exponent < -4 || exponent >= threshold {
        buf.push(digits[0]);
        if digits.len() > 1 {
            buf.push(b'.');
            buf.extend_from_slice(&digits[1..]);
        }
        buf.push(b'e');
        buf.push(if exponent < 0 { b'-' } else { b'+' });
        let e = exponent.unsigned_abs();
        if e < 10 {
            buf.push(b'0');
        }
        write_int(e, buf);
    } else if exponent >= 0 {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            buf.extend_from_slice(digits);
            buf.resize(buf.len() + int_len - digits.len(), b'0');
        } else {
            buf.extend_from_slice(&digits[..int_len]);
            buf.push(b'.');
            buf.extend_from_slice(&digits[int_len..]);
        }
    } else {
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + (-exponent - 1) as usize, b'0');
        buf.extend_from_slice(digits);
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn write_padded(value: u64, width: usize, buf: &mut Vec<u8>) {
    // The common case (months, days, hours, minutes, seconds) without itoa.
    if width == 2 && value < 100 {
        buf.extend_from_slice(&[b'0' + (value / 10) as u8, b'0' + (value % 10) as u8]);
        return;
    }
    let mut b = itoa::Buffer::new();
    let s = b.format(value);
    for _ in s.len()..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(s.as_bytes());
}

/// Writes the date part (`2024-01-15`) and returns whether it is BC, whose
/// ` BC` suffix PG puts at the very end of the value.
fn write_ymd(days: i64, buf: &mut Vec<u8>) -> bool {
    let (y, m, d) = civil_from_days(days);
    let bc = y <= 0;
    let year = if bc { 1 - y } else { y };
    write_padded(year as u64, 4, buf);
    buf.push(b'-');
    write_padded(u64::from(m), 2, buf);
    buf.push(b'-');
    write_padded(u64::from(d), 2, buf);
    bc
}

/// Writes a date given as days since 1970-01-01 (`2024-01-15`, `0044-03-15 BC`).
pub fn write_date(days: i64, buf: &mut Vec<u8>) {
    if write_ymd(days, buf) {
        buf.extend_from_slice(b" BC");
    }
}

/// Writes `HH:MM:SS[.ffffff]` (trailing fractional zeros dropped) for microseconds
/// since midnight; hours may exceed 24 (used by intervals).
pub fn write_time(micros: i64, buf: &mut Vec<u8>) {
    let micros = micros.unsigned_abs();
    let secs = micros / 1_000_000;
    write_padded(secs / 3600, 2, buf);
    buf.push(b':');
    write_padded(secs / 60 % 60, 2, buf);
    buf.push(b':');
    write_padded(secs % 60, 2, buf);
    write_fraction(micros % 1_000_000, buf);
}

fn write_fraction(mut frac: u64, buf: &mut Vec<u8>) {
    if frac == 0 {
        return;
    }
    let mut width = 6;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    buf.push(b'.');
    write_padded(frac, width, buf);
}

/// Writes a timestamp given as microseconds since 1970-01-01 00:00 (wall clock),
/// optionally followed by a UTC offset in seconds (for timestamptz).
pub fn write_timestamp(micros: i64, offset_secs: Option<i32>, buf: &mut Vec<u8>) {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let bc = write_ymd(days, buf);
    buf.push(b' ');
    write_time(micros.rem_euclid(MICROS_PER_DAY), buf);
    if let Some(offset) = offset_secs {
        write_utc_offset(offset, buf);
    }
    if bc {
        buf.extend_from_slice(b" BC");
    }
}

/// Writes a UTC offset as PG does: `+00`, `+05:30`, `-03:00:15`.
pub fn write_utc_offset(offset_secs: i32, buf: &mut Vec<u8>) {
    buf.push(if offset_secs < 0 { b'-' } else { b'+' });
    let abs = offset_secs.unsigned_abs();
    write_padded(u64::from(abs / 3600), 2, buf);
    let (min, sec) = (abs / 60 % 60, abs % 60);
    if min != 0 || sec != 0 {
        buf.push(b':');
        write_padded(u64::from(min), 2, buf);
    }
    if sec != 0 {
        buf.push(b':');
        write_padded(u64::from(sec), 2, buf);
    }
}

/// Writes an interval in IntervalStyle `postgres` (`1 year 2 mons -3 days +04:05:06.5`).
pub fn write_interval(months: i32, days: i32, micros: i64, buf: &mut Vec<u8>) {
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &[u8], buf: &mut Vec<u8>| {
        if value == 0 {
            return;
        }
        if !is_zero {
            buf.push(b' ');
        }
        if is_before && value > 0 {
            buf.push(b'+');
        }
        write_int(value, buf);
        buf.push(b' ');
        buf.extend_from_slice(unit);
        if value != 1 {
            buf.push(b's');
        }
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(months / 12), b"year", buf);
    part(i64::from(months % 12), b"mon", buf);
    part(i64::from(days), b"day", buf);
    if is_zero || micros != 0 {
        if !is_zero {
            buf.push(b' ');
        }
        if micros < 0 {
            buf.push(b'-');
        } else if is_before {
            buf.push(b'+');
        }
        write_time(micros, buf);
    }
}

/// Writes a decimal given as its unscaled integer's digits (with optional leading `-`)
/// and its scale, as PG's `numeric_out` does (`-12.50` for `-1250`, scale 2).
pub fn write_decimal(unscaled: &str, scale: i8, buf: &mut Vec<u8>) {
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, unscaled),
    };
    if negative {
        buf.push(b'-');
    }
    if scale <= 0 {
        buf.extend_from_slice(digits.as_bytes());
        if digits != "0" {
            buf.resize(buf.len() + (-i32::from(scale)) as usize, b'0');
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let split = digits.len() - scale;
        buf.extend_from_slice(&digits.as_bytes()[..split]);
        buf.push(b'.');
        buf.extend_from_slice(&digits.as_bytes()[split..]);
    } else {
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + scale - digits.len(), b'0');
        buf.extend_from_slice(digits.as_bytes());
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes bytes in bytea's hex output format (`\x0aff`).
pub fn write_bytea_hex(bytes: &[u8], buf: &mut Vec<u8>) {
    buf.reserve(2 + bytes.len() * 2);
    buf.extend_from_slice(b"\\x");
    for &b in bytes {
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 15)]);
    }
}

/// Writes 16 bytes as a UUID (`a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11`).
pub fn write_uuid(bytes: &[u8], buf: &mut Vec<u8>) {
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            buf.push(b'-');
        }
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 15)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        let mut b = Vec::new();
        write_f64(v, 1, &mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn float8_text_matches_pg_shortest_output() {
        assert_eq!(f8(331.0), "331");
        assert_eq!(f8(0.1), "0.1");
        assert_eq!(f8(-0.0), "-0");
        assert_eq!(f8(1e15), "1e+15");
        assert_eq!(f8(1e14), "100000000000000");
        assert_eq!(f8(0.0001), "0.0001");
        assert_eq!(f8(0.00001), "1e-05");
        assert_eq!(f8(1.5e300), "1.5e+300");
        assert_eq!(f8(f64::NAN), "NaN");
        assert_eq!(f8(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn float8_text_with_zero_extra_digits_uses_15_significant_digits() {
        let mut b = Vec::new();
        write_f64(0.1 + 0.2, 0, &mut b);
        assert_eq!(b, b"0.3");
    }

    #[test]
    fn float4_switches_to_exponent_at_a_million() {
        let mut b = Vec::new();
        write_f32(1e6, 1, &mut b);
        assert_eq!(b, b"1e+06");
        b.clear();
        write_f32(123456.0, 1, &mut b);
        assert_eq!(b, b"123456");
    }

    #[test]
    fn timestamps_drop_trailing_fraction_zeros() {
        let mut b = Vec::new();
        write_timestamp(1_700_000_000_412_460, None, &mut b);
        assert_eq!(b, b"2023-11-14 22:13:20.41246");
        b.clear();
        write_timestamp(days_from_civil(0, 1, 1) * MICROS_PER_DAY, Some(0), &mut b);
        assert_eq!(b, b"0001-01-01 00:00:00+00 BC");
    }

    #[test]
    fn intervals_use_postgres_style() {
        let mut b = Vec::new();
        write_interval(14, -3, 4 * 3_600_000_000 + 500_000, &mut b);
        assert_eq!(b, b"1 year 2 mons -3 days +04:00:00.5");
        b.clear();
        write_interval(0, 0, 0, &mut b);
        assert_eq!(b, b"00:00:00");
        b.clear();
        write_interval(0, 1, -60_000_000, &mut b);
        assert_eq!(b, b"1 day -00:01:00");
    }

    #[test]
    fn decimals_keep_their_scale() {
        let mut b = Vec::new();
        write_decimal("-1250", 2, &mut b);
        assert_eq!(b, b"-12.50");
        b.clear();
        write_decimal("5", 3, &mut b);
        assert_eq!(b, b"0.005");
    }

    #[test]
    fn utc_offsets_show_minutes_only_when_needed() {
        let mut b = Vec::new();
        write_utc_offset(19800, &mut b);
        assert_eq!(b, b"+05:30");
        b.clear();
        write_utc_offset(-3600, &mut b);
        assert_eq!(b, b"-01");
    }
}
