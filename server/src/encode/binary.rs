//! PostgreSQL's binary (`typsend`) formats that are more than a big-endian integer:
//! numeric, and the epoch shift of the date/time types.

/// Days between 1970-01-01 (Arrow's epoch) and 2000-01-01 (PG's epoch).
pub const PG_EPOCH_DAYS: i64 = 10_957;
/// Microseconds between the two epochs.
pub const PG_EPOCH_MICROS: i64 = PG_EPOCH_DAYS * 86_400_000_000;

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;

/// Writes a numeric in PG's binary format (base-10000 digits, weight, sign, display
/// scale) from its unscaled integer's decimal digits (optional leading `-`) and scale.
pub fn write_numeric(unscaled: &str, scale: i8, buf: &mut Vec<u8>) {
    let (negative, digits) = match unscaled.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, unscaled),
    };
    let digits = digits.as_bytes();
    // Split into integer and fraction digit strings at the decimal point.
    let (int_part, frac_part, dscale): (Vec<u8>, &[u8], u16) = if scale <= 0 {
        let mut int = digits.to_vec();
        if digits != b"0" {
            int.resize(int.len() + (-i32::from(scale)) as usize, b'0');
        }
        (int, &[], 0)
    } else {
        let scale = scale as usize;
        if digits.len() > scale {
            let split = digits.len() - scale;
            (digits[..split].to_vec(), &digits[split..], scale as u16)
        } else {
            // Leading zeros of the fraction are implied by the padding below.
            (Vec::new(), digits, scale as u16)
        }
    };
    let frac_len = if scale > 0 { scale as usize } else { 0 };
    let mut groups: Vec<i16> = Vec::with_capacity(int_part.len() / 4 + frac_len / 4 + 2);
    // Integer part: groups of four from the right.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let mut acc = 0i16;
    let mut count = int_pad;
    for &d in &int_part {
        acc = acc * 10 + i16::from(d - b'0');
        count += 1;
        if count == 4 {
            groups.push(acc);
            acc = 0;
            count = 0;
        }
    }
    let int_groups = groups.len() as i16;
    // Fraction part: left-padded to `frac_len` digits, groups of four from the left.
    let frac_zeros = frac_len.saturating_sub(frac_part.len());
    let frac_iter = std::iter::repeat_n(b'0', frac_zeros).chain(frac_part.iter().copied());
    for d in frac_iter {
        acc = acc * 10 + i16::from(d - b'0');
        count += 1;
        if count == 4 {
            groups.push(acc);
            acc = 0;
            count = 0;
        }
    }
    if count > 0 {
        for _ in count..4 {
            acc *= 10;
        }
        groups.push(acc);
    }
    let mut weight = int_groups - 1;
    let leading = groups.iter().take_while(|&&g| g == 0).count();
    weight -= leading as i16;
    let trailing = groups[leading..]
        .iter()
        .rev()
        .take_while(|&&g| g == 0)
        .count();
    let significant = &groups[leading..groups.len() - trailing];
    if significant.is_empty() {
        weight = 0;
    }
    buf.extend_from_slice(&(significant.len() as i16).to_be_bytes());
    buf.extend_from_slice(&weight.to_be_bytes());
    let sign = if negative && !significant.is_empty() {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    buf.extend_from_slice(&sign.to_be_bytes());
    buf.extend_from_slice(&dscale.to_be_bytes());
    for g in significant {
        buf.extend_from_slice(&g.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(unscaled: &str, scale: i8) -> Vec<u8> {
        let mut b = Vec::new();
        write_numeric(unscaled, scale, &mut b);
        b
    }

    #[test]
    fn numeric_binary_matches_pg_layout() {
        // 12345.678 (PG: ndigits 3, weight 1, sign +, dscale 3, digits 1 2345 6780)
        assert_eq!(
            numeric("12345678", 3),
            [0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c]
        );
        // 0.5 (ndigits 1, weight -1, dscale 1, digits 5000)
        assert_eq!(numeric("5", 1), [0, 1, 0xff, 0xff, 0, 0, 0, 1, 0x13, 0x88]);
        // -0.00 is zero with dscale 2 and positive sign.
        assert_eq!(numeric("-0", 2), [0, 0, 0, 0, 0, 0, 0, 2]);
        // 10000 (one digit 1, weight 1)
        assert_eq!(numeric("10000", 0), [0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
        // -1.5
        assert_eq!(
            numeric("-15", 1),
            [0, 2, 0, 0, 0x40, 0, 0, 1, 0, 1, 0x13, 0x88]
        );
    }
}
