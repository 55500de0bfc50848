//! What a field's text was read as, in canonical form beside the field
//! ("20M" in a size field: "= 20,971,520 B"), so an ambiguous suffix never
//! passes silently. The reading is the core's own unit parsers', the ones
//! the plan is evaluated with (`headroom_core::units`).

use headroom_core::registry::Kind;
use headroom_core::units::{group_thousands, Bytes, Count, Duration, Percent, Rate, Ratio};

/// The echo of `text` in a field of `kind`, or `None` when there is nothing
/// to say (an empty or unreadable field: its error speaks instead).
pub fn echo(kind: Kind, text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let letter = one_letter_suffix(t);
    Some(match kind {
        Kind::Bytes => {
            let b = Bytes::parse(t).ok()?;
            let mut out = format!("= {} B", group_thousands(b.get()));
            if b.get() >= 1000 {
                out.push_str(&format!(" = {}", b.both()));
            }
            // `B` is the unit itself, not a multiplier.
            if let Some(c) = letter.filter(|&c| c != 'B') {
                out.push_str(&format!(" ({c} on a size is binary: 1{c} = 1 {c}iB)"));
            }
            out
        }
        Kind::Count => {
            let n = Count::parse(t).ok()?;
            let mut out = format!("= {}", group_thousands(n.get()));
            if let Some(c) = letter {
                out.push_str(&format!(" ({c} on a count is decimal: 1{c} = {})", si(c)?));
            }
            out
        }
        Kind::Percent => format!("= {}", Percent::parse(t).ok()?),
        Kind::Rate => format!("= {}", Rate::parse(t).ok()?),
        Kind::Duration => {
            let d = Duration::parse(t).ok()?;
            format!("= {} s ({d})", group_thousands(d.seconds()))
        }
        Kind::Ratio => {
            let ratio = Ratio::parse(t).ok()?;
            format!("= {} ({ratio})", ratio.fraction())
        }
        Kind::Kib | Kind::Key | Kind::Flag | Kind::IntList | Kind::Choice(_) | Kind::Variant => {
            return None
        }
    })
}

/// The suffix letter of text such as `20M` or `1.5 k`, upper-cased.
fn one_letter_suffix(t: &str) -> Option<char> {
    let mut chars = t.chars().rev();
    let last = chars.next()?;
    let before = chars.find(|c| !c.is_whitespace())?;
    (last.is_ascii_alphabetic() && before.is_ascii_digit()).then(|| last.to_ascii_uppercase())
}

/// What a decimal count suffix multiplies by, as the core reads it.
fn si(c: char) -> Option<&'static str> {
    Some(match c {
        'K' => "1,000",
        'M' => "1,000,000",
        'G' | 'B' => "1,000,000,000",
        'T' => "1,000,000,000,000",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_echoes_what_the_core_read() {
        let cases = [
            (
                Kind::Bytes,
                "20M",
                Some("= 20,971,520 B = 21 MB (20 MiB) (M on a size is binary: 1M = 1 MiB)"),
            ),
            (Kind::Bytes, "10 GB", Some("= 10,000,000,000 B = 10 GB (9.31 GiB)")),
            (Kind::Bytes, "512", Some("= 512 B")),
            (Kind::Bytes, "600 B", Some("= 600 B")),
            (Kind::Count, "20M", Some("= 20,000,000 (M on a count is decimal: 1M = 1,000,000)")),
            (Kind::Count, "20,000,000", Some("= 20,000,000")),
            (Kind::Percent, "150", Some("= 150%")),
            (Kind::Percent, "150%", Some("= 150%")),
            (Kind::Ratio, "0.05", Some("= 0.05 (5%)")),
            (Kind::Ratio, "2.5%", Some("= 0.025 (2.5%)")),
            (Kind::Rate, "5/min", Some("= 5/min")),
            (Kind::Duration, "8h", Some("= 28,800 s (8 h)")),
            // Unreadable or empty: the field's error speaks, not the echo.
            (Kind::Bytes, "lots", None),
            (Kind::Count, "-5", None),
            (Kind::Count, " ", None),
            (Kind::Flag, "1", None),
        ];
        for (kind, text, want) in cases {
            assert_eq!(echo(kind, text).as_deref(), want, "{kind:?} {text:?}");
        }
    }
}
