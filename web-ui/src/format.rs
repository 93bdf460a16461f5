//! How numbers and times are written for people: enough decimals for a
//! value's size (prices from 0.0001 to 100,000 all keep their digits), and
//! UTC times with the date when it is not obvious.

/// Significant digits a price shows.
pub const PRICE_DIGITS: u32 = 5;

/// Decimals that show `sig` significant digits of a value as large as
/// `max_abs`: two at least (cents), ten at most.
pub fn decimals(max_abs: f64, sig: u32) -> u32 {
    if !max_abs.is_finite() || max_abs <= 0.0 {
        return 2;
    }
    let int_digits = max_abs.log10().floor() as i32 + 1;
    (sig as i32 - int_digits).clamp(2, 10) as u32
}

/// `v` with `digits` decimals, or a dash.
pub fn fixed(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => "—".into(),
    }
}

/// The alarm class of z against threshold `k`: red past it, amber from
/// three quarters of it, none below (or without a z).
pub fn z_alarm(z: Option<f64>, k: f64) -> Option<&'static str> {
    match z {
        Some(z) if z.abs() >= k => Some("sw-hot"),
        Some(z) if z.abs() >= 0.75 * k => Some("sw-warn"),
        _ => None,
    }
}

/// A p-value: four decimals, or two significant digits in scientific
/// form below 0.0001 (a planted pair's p is 1e-12, not "0.0000").
pub fn pvalue(v: Option<f64>) -> String {
    match v {
        Some(p) if p.is_finite() && p > 0.0 && p < 1e-4 => format!("{p:.1e}"),
        v => fixed(v, 4),
    }
}

/// A price with [`PRICE_DIGITS`] significant digits at least.
pub fn price(v: Option<f64>) -> String {
    let d = v.map_or(2, |x| decimals(x.abs(), PRICE_DIGITS));
    fixed(v, d as usize)
}

/// `ms` as UTC `HH:MM:SS`.
pub fn clock(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `ms` as UTC `YYYY-MM-DD HH:MM:SS`.
pub fn date_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02} {}", clock(ms))
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_p_values_keep_their_digits() {
        assert_eq!(pvalue(Some(3.2e-12)), "3.2e-12");
        assert_eq!(pvalue(Some(0.0123)), "0.0123");
        assert_eq!(pvalue(Some(0.0)), "0.0000");
        assert_eq!(pvalue(None), "—");
    }

    #[test]
    fn decimals_keep_significant_digits_at_any_scale() {
        assert_eq!(decimals(43_000.0, 5), 2);
        assert_eq!(decimals(2.5, 5), 4);
        assert_eq!(decimals(0.1, 5), 5);
        assert_eq!(decimals(0.016, 5), 6);
        assert_eq!(decimals(0.00012345, 5), 8);
        assert_eq!(decimals(0.0, 5), 2);
        assert_eq!(decimals(f64::NAN, 5), 2);
    }

    #[test]
    fn prices_are_formatted_for_their_size() {
        assert_eq!(price(Some(43000.123)), "43000.12");
        assert_eq!(price(Some(2.5)), "2.5000");
        assert_eq!(price(Some(0.016234)), "0.016234");
        assert_eq!(price(Some(0.00012345)), "0.00012345");
        assert_eq!(fixed(None, 2), "—");
        assert_eq!(fixed(Some(f64::NAN), 2), "—");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(clock(1_700_000_100_000), "22:15:00");
        assert_eq!(clock(-1000), "23:59:59");
        assert_eq!(date_time(1_700_000_100_000), "2023-11-14 22:15:00");
        assert_eq!(date_time(0), "1970-01-01 00:00:00");
        assert_eq!(date_time(951_782_400_000), "2000-02-29 00:00:00");
    }
}
