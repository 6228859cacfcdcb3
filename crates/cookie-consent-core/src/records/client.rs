//! What a record keeps of the visitor's client: an address made coarse and a
//! bounded `User-Agent`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The most bytes of `User-Agent` a record keeps.
pub const USER_AGENT_LIMIT: usize = 512;

/// The address as a record keeps it: IPv4 to its /24, IPv6 to its /48 (an
/// IPv4 address mapped into IPv6 counts as IPv4), enough to show roughly where
/// an answer came from without naming one household.
///
/// ```
/// # use cookie_consent_core::truncated_ip;
/// assert_eq!(truncated_ip("203.0.113.77".parse().unwrap()), "203.0.113.0");
/// assert_eq!(truncated_ip("2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap()), "2001:db8:85a3::");
/// assert_eq!(truncated_ip("::ffff:198.51.100.9".parse().unwrap()), "198.51.100.0");
/// ```
pub fn truncated_ip(ip: IpAddr) -> String {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            Ipv4Addr::new(a, b, c, 0).to_string()
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !(u128::MAX >> 48);
            Ipv6Addr::from(bits).to_string()
        }
    }
}

/// The client's address in a forwarding header a trusted proxy sets: the last
/// entry (the one that proxy appended; those before it are the client's own
/// say). `Forwarded` (RFC 7239) is read for its `for=`; any other header
/// (`X-Forwarded-For`, `X-Real-IP`, …) as a comma-separated list of
/// addresses, each perhaps with a port.
pub(crate) fn forwarded_ip(header_name: &str, value: &[u8]) -> Option<IpAddr> {
    let value = std::str::from_utf8(value).ok()?;
    let last = value.rsplit(',').next()?.trim();
    let address = if header_name.eq_ignore_ascii_case("forwarded") {
        last.split(';').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then(|| value.trim().trim_matches('"'))
        })?
    } else {
        last
    };
    parse_address(address)
}

/// `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]` or `[::1]:80`.
fn parse_address(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse() {
        return Some(ip);
    }
    if let Some(bracketed) = text.strip_prefix('[') {
        return bracketed.split(']').next()?.parse().ok();
    }
    let (host, port) = text.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// `User-Agent` as text (bytes that are not UTF-8 replaced), at most
/// [`USER_AGENT_LIMIT`] bytes, cut at a character boundary.
pub(crate) fn user_agent(value: Option<&[u8]>) -> String {
    let value = value.unwrap_or_default();
    let text = String::from_utf8_lossy(&value[..value.len().min(USER_AGENT_LIMIT + 3)]);
    let mut end = text.len().min(USER_AGENT_LIMIT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_host_part() {
        let cases = [
            ("10.1.2.3", "10.1.2.0"),
            ("255.255.255.255", "255.255.255.0"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"),
            ("::1", "::"),
            ("fe80::1", "fe80::"),
            ("::ffff:10.9.8.7", "10.9.8.0"),
        ];
        for (ip, kept) in cases {
            assert_eq!(truncated_ip(ip.parse().unwrap()), kept, "{ip}");
        }
    }

    #[test]
    fn the_trusted_proxys_entry_is_the_last() {
        let xff = |v: &str| forwarded_ip("X-Forwarded-For", v.as_bytes());
        assert_eq!(
            xff("6.6.6.6, 203.0.113.9"),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            xff("203.0.113.9:4711"),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            xff("[2001:db8::1]:443"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(xff("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(xff("unknown"), None);
        assert_eq!(xff(""), None);
        assert_eq!(forwarded_ip("x-forwarded-for", b"\xff\xfe"), None);
        let fwd = |v: &str| forwarded_ip("Forwarded", v.as_bytes());
        assert_eq!(
            fwd("for=6.6.6.6, for=\"[2001:db8::7]:8080\";proto=https"),
            Some("2001:db8::7".parse().unwrap())
        );
        assert_eq!(
            fwd("proto=https;For=192.0.2.60"),
            Some("192.0.2.60".parse().unwrap())
        );
        assert_eq!(fwd("for=_hidden"), None);
    }

    #[test]
    fn user_agents_are_capped_at_a_character_boundary() {
        assert_eq!(user_agent(None), "");
        assert_eq!(user_agent(Some(b"Mozilla/5.0")), "Mozilla/5.0");
        let long = "é".repeat(400); // 800 bytes
        let capped = user_agent(Some(long.as_bytes()));
        assert_eq!(capped.len(), 512);
        let odd = format!("a{long}");
        assert_eq!(user_agent(Some(odd.as_bytes())).len(), 511);
        assert_eq!(user_agent(Some(b"a\xffb")), "a\u{fffd}b");
        assert!(user_agent(Some(&[0xff; 4000])).len() <= 512);
    }
}
