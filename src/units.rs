//! Units in types: durations such as `--tick 10ms` and byte counts such as `--read-size 64K`.

use std::time::Duration;

use crate::sys::net::HostPort;

/// The longest duration any option takes: a tick of an hour already makes a lesson of hours.
pub const LONGEST: Duration = Duration::from_secs(3600);

/// Parses `0`, `250ms`, `1.5s`, `2m`, `100us`; a bare number means seconds, as in the seed's
/// `time.sleep(zzz)`. At most [`LONGEST`], so no sleep or deadline can overflow a clock.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.starts_with('-') {
        return Err(format!(
            "`{text}` is negative; a duration is 0 or more, like 0, 10ms or 1.5s"
        ));
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write it like 0, 10ms, 1.5s or 2m"))?;
    let seconds_per_unit = match unit.trim() {
        "" | "s" | "sec" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        "ns" => 1e-9,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use ns, us, ms, s, m or h"
            ));
        }
    };
    match Duration::try_from_secs_f64(value * seconds_per_unit) {
        Ok(duration) if duration <= LONGEST => Ok(duration),
        _ => Err(format!("`{text}` is too long; give at most 1h (3600s)")),
    }
}

/// A clap value parser for a duration of at least `min` (and at most [`LONGEST`]).
pub fn duration_at_least(min: Duration) -> impl Fn(&str) -> Result<Duration, String> + Clone {
    move |text| {
        let duration = parse_duration(text)?;
        if duration < min {
            return Err(format!(
                "`{text}` is too short; give at least {}ms",
                min.as_millis()
            ));
        }
        Ok(duration)
    }
}

/// Parses `32`, `64K`, `64KiB`, `1M`, `4G` (binary multiples, as `pipe(7)` counts pages).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| {
        if number.is_empty() {
            format!("`{text}` is not a size in bytes; write it like 32, 64K, 1M or 4G")
        } else {
            format!("`{text}` is too many bytes")
        }
    })?;
    let multiplier: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => {
            return Err(format!(
                "unknown unit in `{text}`; use K, M, G or T (powers of 1024)"
            ));
        }
    };
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too many bytes"))
}

/// Parses `[HOST:]PORT`; an IPv6 host needs brackets, as in URLs.
pub fn parse_host_port(text: &str) -> Result<HostPort, String> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, port) = rest
            .split_once("]:")
            .ok_or_else(|| format!("`{text}` is not [IPV6]:PORT; write it like [::1]:5000"))?;
        (Some(host.to_string()), port)
    } else {
        match text.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err(format!(
                    "`{text}`: put an IPv6 address in brackets, like [::1]:5000"
                ));
            }
            Some((host, port)) if !host.is_empty() => (Some(host.to_string()), port),
            Some((_, port)) => (None, port),
            None => (None, text),
        }
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` is not a port; give 0 to 65535, like 5000"))?;
    Ok(HostPort { host, port })
}

/// A clap value parser for a byte count within `min..=max`.
pub fn bytes_in_range(min: u64, max: u64) -> impl Fn(&str) -> Result<usize, String> + Clone {
    move |text| {
        let bytes = parse_bytes(text)?;
        if bytes < min || bytes > max {
            return Err(format!(
                "{bytes} bytes is out of range; choose {} to {}",
                human_bytes(min),
                human_bytes(max)
            ));
        }
        usize::try_from(bytes).map_err(|_| format!("{bytes} bytes does not fit in memory here"))
    }
}

/// `1048576` → `1 MiB`, `4097` → `4097 B`: exact, never rounded.
pub fn human_bytes(bytes: u64) -> String {
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{} {unit}", bytes >> shift);
        }
    }
    format!("{bytes} B")
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("10ms"), Ok(Duration::from_millis(10)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-1s").unwrap_err().contains("negative"));
        assert_eq!(parse_duration("1h"), Ok(LONGEST));
        assert!(parse_duration("2h").unwrap_err().contains("at most 1h"));
        assert_eq!(parse_duration("60m"), Ok(LONGEST));
        assert!(
            parse_duration("10000000000000000000s")
                .unwrap_err()
                .contains("at most 1h")
        );
        assert!(parse_duration("61m").is_err());
    }

    #[test]
    fn host_ports_read_like_urls() {
        let hp = |host: Option<&str>, port| HostPort {
            host: host.map(String::from),
            port,
        };
        assert_eq!(parse_host_port("5000"), Ok(hp(None, 5000)));
        assert_eq!(parse_host_port(":0"), Ok(hp(None, 0)));
        assert_eq!(
            parse_host_port("127.0.0.1:80"),
            Ok(hp(Some("127.0.0.1"), 80))
        );
        assert_eq!(parse_host_port("[::1]:5000"), Ok(hp(Some("::1"), 5000)));
        assert_eq!(
            parse_host_port("[::1]:5000").unwrap().to_string(),
            "[::1]:5000"
        );
        assert!(
            parse_host_port("::1:5000")
                .unwrap_err()
                .contains("brackets")
        );
        assert!(
            parse_host_port("host:99999")
                .unwrap_err()
                .contains("0 to 65535")
        );
        assert!(parse_host_port("host:").is_err());
    }

    #[test]
    fn sizes_use_powers_of_1024() {
        assert_eq!(parse_bytes("32"), Ok(32));
        assert_eq!(parse_bytes("64K"), Ok(65_536));
        assert_eq!(parse_bytes("1MiB"), Ok(1 << 20));
        assert_eq!(parse_bytes("4g"), Ok(4 << 30));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
        assert_eq!(human_bytes(1 << 20), "1 MiB");
        assert_eq!(human_bytes(4097), "4097 B");
    }
}
