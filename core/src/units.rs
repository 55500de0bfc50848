//! Quantities as operators write them: `"1 KiB"`, `"10 GB"`, `"20M"`,
//! `"600 B"`, `"5000/s"`, `"5/min"`, `"8h"`, `"2%"`.
//!
//! One parser and one formatter for the whole project. Decimal units (`kB`,
//! `MB`, `GB`, `TB`) are powers of 1000 and binary units (`KiB`, `MiB`, `GiB`,
//! `TiB`) powers of 1024; they are never confused. A bare one-letter suffix on
//! a byte size (`20M`, `64K`) is binary, as in my.cnf, limits.conf and the
//! kernel's own documentation; on a count (`20M` messages) it is decimal (SI).
//!
//! Sizes are `u64` everywhere (never `usize`: wasm32 is a 32-bit target and
//! the page must agree with the CLI). Arithmetic is checked: overflow is a
//! [`UnitError::Overflow`], never a wrap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a quantity could not be read or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("empty value: write a number such as \"1 GiB\" or \"20M\"")]
    Empty,
    #[error("\"{input}\" is not a number: write digits with an optional unit, such as \"10 GB\"")]
    NotANumber { input: String },
    #[error("unknown unit \"{unit}\" in \"{input}\": use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB")]
    UnknownUnit { input: String, unit: String },
    #[error("unknown time unit \"{unit}\" in \"{input}\": use s, min, h, d or w")]
    UnknownTimeUnit { input: String, unit: String },
    #[error("\"{input}\": a comma only groups thousands (20,000,000); write a decimal with a point, such as 1.5")]
    DecimalComma { input: String },
    #[error("\"{input}\" is negative: sizes and counts cannot be below zero")]
    Negative { input: String },
    #[error("\"{input}\" is too large (the limit is 2^64 - 1)")]
    Overflow { input: String },
    #[error("\"{input}\" is not a fraction: write a percentage such as \"2%\" or a decimal such as 0.02")]
    NotARatio { input: String },
    #[error("\"{input}\" is not a percentage: write a whole number such as 200 or \"150%\"")]
    NotAPercent { input: String },
}

/// A byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub u64);

/// A plain count (messages, clients, connections). Suffixes are SI: `20M` is
/// twenty million.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Count(pub u64);

/// Decimal and binary multipliers, longest names first so that `KiB` is not
/// read as `K` followed by junk.
const BYTE_UNITS: &[(&str, u64)] = &[
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
    ("pib", 1 << 50),
    ("kb", 1_000),
    ("mb", 1_000_000),
    ("gb", 1_000_000_000),
    ("tb", 1_000_000_000_000),
    ("pb", 1_000_000_000_000_000),
    // One letter: binary, as my.cnf, limits.conf and sysctl documentation use it.
    ("k", 1 << 10),
    ("m", 1 << 20),
    ("g", 1 << 30),
    ("t", 1 << 40),
    ("p", 1 << 50),
    ("bytes", 1),
    ("byte", 1),
    ("b", 1),
    ("", 1),
];

const COUNT_UNITS: &[(&str, u64)] = &[
    ("k", 1_000),
    ("m", 1_000_000),
    ("g", 1_000_000_000),
    ("b", 1_000_000_000),
    ("t", 1_000_000_000_000),
    ("", 1),
];

/// A decimal number split into an integer mantissa and a power-of-ten scale,
/// so that `1.5` times a unit stays exact.
struct Decimal {
    mantissa: u128,
    scale: u32,
}

/// An error message repeats a value of up to [`CUT_ABOVE`] characters whole,
/// and only the first [`SHOWN_CHARS`] of a longer one: a 10 MB value in a
/// plan must not become 10 MB of error text.
const SHOWN_CHARS: usize = 40;
const CUT_ABOVE: usize = 100;

/// `input` trimmed, and cut as [`cut`] does, for error messages.
pub fn shown(input: &str) -> String {
    cut(input.trim())
}

/// `s` whole, or when longer than [`CUT_ABOVE`] characters its first
/// [`SHOWN_CHARS`] with its full length said.
pub fn cut(s: &str) -> String {
    match (s.char_indices().nth(CUT_ABOVE), s.char_indices().nth(SHOWN_CHARS)) {
        (Some(_), Some((i, _))) => format!("{}... ({} characters)", &s[..i], s.chars().count()),
        _ => s.to_string(),
    }
}

/// Splits `"10 GB"` into `("10", "GB")`, accepting `_` and `,` as digit
/// separators (`20,000,000`, `1_000`).
fn split_number(input: &str) -> Result<(Decimal, String), UnitError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(UnitError::Empty);
    }
    if s.starts_with('-') {
        return Err(UnitError::Negative { input: shown(s) });
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == '_' || c == ','))
        .map_or(s.len(), |(i, _)| i);
    let (num, rest) = s.split_at(end);
    if !commas_group_thousands(num) {
        return Err(UnitError::DecimalComma { input: shown(input) });
    }
    let not_a_number = || UnitError::NotANumber { input: shown(input) };
    let mut mantissa: u128 = 0;
    let mut scale = 0u32;
    let mut seen_dot = false;
    let mut digits = 0usize;
    for c in num.chars() {
        match c {
            '0'..='9' => {
                if digits >= 30 {
                    return Err(UnitError::Overflow { input: shown(input) });
                }
                mantissa = mantissa * 10 + u128::from(c as u8 - b'0');
                digits += 1;
                if seen_dot {
                    scale += 1;
                }
            }
            '.' if !seen_dot => seen_dot = true,
            '.' => return Err(not_a_number()),
            _ => {} // digit separators
        }
    }
    if digits == 0 {
        return Err(not_a_number());
    }
    Ok((Decimal { mantissa, scale }, rest.trim().to_string()))
}

/// Whether the commas in a number, if any, group its whole part by three
/// (`20,000,000`): `1,5` is a decimal comma, which would otherwise be read
/// as 15. Without digits it is no number at all, which is said instead.
fn commas_group_thousands(num: &str) -> bool {
    if !num.bytes().any(|b| b.is_ascii_digit()) {
        return true;
    }
    let (whole, fraction) = num.split_once('.').unwrap_or((num, ""));
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    !fraction.contains(',')
        && (!whole.contains(',') || (1..=3).contains(&first.len()))
        && groups.all(|g| g.len() == 3)
}

/// Multiplies a decimal by a unit, rounding half up to a whole number.
fn scale_exact(d: &Decimal, mult: u64, input: &str) -> Result<u64, UnitError> {
    let overflow = || UnitError::Overflow { input: shown(input) };
    let product = d.mantissa.checked_mul(u128::from(mult)).ok_or_else(overflow)?;
    let divisor = 10u128.checked_pow(d.scale).ok_or_else(overflow)?;
    let value = (product + divisor / 2) / divisor;
    u64::try_from(value).map_err(|_| overflow())
}

fn lookup(table: &[(&str, u64)], unit: &str) -> Option<u64> {
    let key = unit.to_ascii_lowercase();
    table.iter().find(|(name, _)| *name == key).map(|&(_, m)| m)
}

impl Bytes {
    pub const KIB: u64 = 1 << 10;
    pub const MIB: u64 = 1 << 20;
    pub const GIB: u64 = 1 << 30;
    pub const KB: u64 = 1_000;
    pub const MB: u64 = 1_000_000;
    pub const GB: u64 = 1_000_000_000;

    /// Reads `"10 GB"`, `"1 KiB"`, `"20M"`, `"600 B"`, `"4096"`.
    ///
    /// Case matters only between `b`/`B` where it cannot be confused: units
    /// are matched case-insensitively, but `kb` is still decimal (1000) and
    /// `KiB` binary (1024).
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let (number, unit) = split_number(input)?;
        let mult = lookup(BYTE_UNITS, &unit)
            .ok_or_else(|| UnitError::UnknownUnit { input: shown(input), unit: shown(&unit) })?;
        scale_exact(&number, mult, input).map(Bytes)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    pub fn checked_add(self, other: Bytes) -> Option<Bytes> {
        self.0.checked_add(other.0).map(Bytes)
    }

    pub fn checked_mul(self, n: u64) -> Option<Bytes> {
        self.0.checked_mul(n).map(Bytes)
    }

    /// `1.23 GB`: decimal, three significant digits.
    pub fn decimal(self) -> String {
        human(self.0, 1000, &["B", "kB", "MB", "GB", "TB", "PB", "EB"])
    }

    /// `1.15 GiB`: binary, three significant digits.
    pub fn binary(self) -> String {
        human(self.0, 1024, &["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"])
    }

    /// Both notations where they differ by more than rounding, e.g.
    /// `54.2 GB (50.4 GiB)`; a single figure where they agree (`512 B`).
    pub fn both(self) -> String {
        self.both_per("")
    }

    /// [`Bytes::both`] with a unit after each figure, so a rate reads
    /// `1.5 kB/s (1.46 KiB/s)`, not `1.5 kB (1.46 KiB)/s`.
    pub fn both_per(self, per: &str) -> String {
        let (d, b) = (self.decimal(), self.binary());
        if self.0 < 1000 {
            format!("{d}{per}")
        } else {
            format!("{d}{per} ({b}{per})")
        }
    }

    /// The shortest exact spelling, used when a plan is written back out:
    /// `"10 GB"`, `"1 KiB"`, or plain bytes.
    pub fn exact(self) -> String {
        const EXACT: &[(&str, u64)] = &[
            ("TiB", 1 << 40),
            ("TB", 1_000_000_000_000),
            ("GiB", 1 << 30),
            ("GB", 1_000_000_000),
            ("MiB", 1 << 20),
            ("MB", 1_000_000),
            ("KiB", 1 << 10),
            ("kB", 1_000),
        ];
        if self.0 == 0 {
            return "0 B".to_string();
        }
        EXACT
            .iter()
            .find(|&&(_, m)| self.0 % m == 0)
            .map_or_else(|| format!("{} B", self.0), |&(name, m)| format!("{} {name}", self.0 / m))
    }
}

/// A whole percentage, such as a headroom of 200 (twice the estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(pub u64);

impl Percent {
    /// Reads `200`, `"150%"`, `"150 %"`, `"150 percent"`; a fraction of a
    /// percent rounds half up.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let (number, unit) = split_number(input)?;
        match unit.to_ascii_lowercase().as_str() {
            "" | "%" | "percent" => scale_exact(&number, 1, input).map(Percent),
            _ => Err(UnitError::NotAPercent { input: shown(input) }),
        }
    }

    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", group_thousands(self.0))
    }
}

impl FromStr for Percent {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Percent::parse(s)
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Written::deserialize(d)?.whole(Percent::parse, Percent).map_err(serde::de::Error::custom)
    }
}

impl Count {
    /// Reads `"20M"`, `"20,000,000"`, `"1.5k"`, `"200"`.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let (number, unit) = split_number(input)?;
        let mult = lookup(COUNT_UNITS, &unit)
            .ok_or_else(|| UnitError::UnknownUnit { input: shown(input), unit: shown(&unit) })?;
        scale_exact(&number, mult, input).map(Count)
    }

    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Three significant digits, trailing zeros dropped: `1 GB`, `54.2 GB`, `999 B`.
fn human(value: u64, base: u64, names: &[&str]) -> String {
    let mut unit = 0;
    let mut div: u128 = 1;
    while unit + 1 < names.len() && u128::from(value) >= div * u128::from(base) {
        div *= u128::from(base);
        unit += 1;
    }
    if unit == 0 {
        return format!("{} {}", group_thousands(value), names[0]);
    }
    // Integer arithmetic so that 32- and 64-bit targets agree.
    let v = u128::from(value);
    let decimals = if v >= 100 * div {
        0
    } else if v >= 10 * div {
        1
    } else {
        2
    };
    let pow = 10u128.pow(decimals);
    let scaled = (v * pow + div / 2) / div;
    let text = if decimals == 0 {
        scaled.to_string()
    } else {
        format!("{}.{:0width$}", scaled / pow, scaled % pow, width = decimals as usize)
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {}", names[unit])
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.both())
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", group_thousands(self.0))
    }
}

/// `value / 10^places` with its whole part grouped and without trailing
/// zeros: `(50000, 6)` -> `0.05`, `(2167, 3)` -> `2.167`, `(16000, 3)` -> `16`.
pub fn decimal(value: u64, places: u32) -> String {
    let Some(pow) = 10u64.checked_pow(places) else { return group_thousands(value) };
    let whole = group_thousands(value / pow);
    let frac = format!("{:0width$}", value % pow, width = places as usize);
    match frac.trim_end_matches('0') {
        "" => whole,
        frac => format!("{whole}.{frac}"),
    }
}

/// `20000000` -> `20,000,000`.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl FromStr for Bytes {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bytes::parse(s)
    }
}

impl FromStr for Count {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Count::parse(s)
    }
}

/// An event rate, kept exactly as a fraction (events per so many seconds,
/// in lowest terms) so that "5/min" is one event every 12 seconds and not
/// 0.083/s: `"5000/s"`, `"12 per second"`, `"5/min"`, `"300/h"`, `"100k/s"`,
/// `"1/12 s"`. A bare number is per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    /// Events in `seconds` seconds; `seconds` is never 0, and the pair is
    /// reduced, so that equal rates compare equal field by field.
    events: u64,
    seconds: u64,
}

/// A span of time in whole seconds: `"8h"`, `"30 min"`, `"1.5 d"`, `"90 s"`,
/// `"2 weeks"`. A bare number is seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub u64);

const TIME_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hr", 3600),
    ("hrs", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
    ("w", 604_800),
    ("week", 604_800),
    ("weeks", 604_800),
];

fn time_unit(input: &str, unit: &str) -> Result<u64, UnitError> {
    lookup(TIME_UNITS, unit.trim())
        .ok_or_else(|| UnitError::UnknownTimeUnit { input: shown(input), unit: shown(unit) })
}

const fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Default for Rate {
    fn default() -> Self {
        Rate::per_second(0)
    }
}

impl Ord for Rate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Both products fit: (2^64 - 1)^2 < 2^128.
        let a = u128::from(self.events) * u128::from(other.seconds);
        let b = u128::from(other.events) * u128::from(self.seconds);
        a.cmp(&b)
    }
}

impl PartialOrd for Rate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Rate {
    /// A whole number of events per second.
    pub const fn per_second(n: u64) -> Self {
        Rate { events: n, seconds: 1 }
    }

    /// `n` events a minute, exactly.
    pub const fn per_minute(n: u64) -> Self {
        Rate::reduced(n as u128, 60)
    }

    /// `n` events an hour, exactly.
    pub const fn per_hour(n: u64) -> Self {
        Rate::reduced(n as u128, 3600)
    }

    /// `n` events a day, exactly.
    pub const fn per_day(n: u64) -> Self {
        Rate::reduced(n as u128, 86_400)
    }

    /// `events` every `seconds` seconds; `None` when `seconds` is 0.
    pub fn new(events: u64, seconds: u64) -> Option<Self> {
        (seconds > 0).then(|| Rate::reduced(u128::from(events), u128::from(seconds)))
    }

    /// Lowest terms of `events / seconds` (seconds > 0, both at most
    /// `u64::MAX`, so the reduced pair fits too).
    const fn reduced(events: u128, seconds: u128) -> Self {
        let g = gcd(events, seconds);
        match (events.checked_div(g), seconds.checked_div(g)) {
            (Some(e), Some(s)) if e > 0 => Rate { events: e as u64, seconds: s as u64 },
            _ => Rate { events: 0, seconds: 1 },
        }
    }

    /// Reads `"5000/s"`, `"5/min"`, `"12 per second"`, `"100k/s"`, `"5000"`,
    /// `"0.5/s"`, `"1/12 s"`.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let text = input.trim();
        let (amount, per) = match text.split_once('/') {
            Some((a, p)) => (a, p),
            None => match text.to_ascii_lowercase().find(" per ") {
                Some(i) => (&text[..i], &text[i + 5..]),
                None => (text, "s"),
            },
        };
        let (count, count_unit) = split_number(amount)?;
        let mult = lookup(COUNT_UNITS, &count_unit).ok_or_else(|| UnitError::UnknownUnit {
            input: shown(text),
            unit: shown(&count_unit),
        })?;
        let per = per.trim();
        // "/5 min" is allowed: a number before the time unit divides.
        let (number, unit) =
            split_number(per).unwrap_or((Decimal { mantissa: 1, scale: 0 }, per.to_string()));
        let unit_seconds = time_unit(input, &unit)?;
        if number.mantissa == 0 {
            return Err(UnitError::NotANumber { input: shown(text) });
        }
        // count·mult / 10^count.scale events per number·unit / 10^number.scale
        // seconds, as one fraction.
        let overflow = || UnitError::Overflow { input: shown(text) };
        let pow = |scale: u32| 10u128.checked_pow(scale).ok_or_else(overflow);
        let events = count
            .mantissa
            .checked_mul(u128::from(mult))
            .and_then(|v| v.checked_mul(pow(number.scale).ok()?))
            .ok_or_else(overflow)?;
        let seconds = number
            .mantissa
            .checked_mul(u128::from(unit_seconds))
            .and_then(|v| v.checked_mul(pow(count.scale).ok()?))
            .ok_or_else(overflow)?;
        let g = gcd(events, seconds);
        let (events, seconds) = if events == 0 { (0, 1) } else { (events / g, seconds / g) };
        match (u64::try_from(events), u64::try_from(seconds)) {
            (Ok(events), Ok(seconds)) => Ok(Rate { events, seconds }),
            _ => Err(overflow()),
        }
    }

    /// The events of the exact fraction `events / per_seconds`.
    pub const fn events(self) -> u64 {
        self.events
    }

    /// The seconds of the exact fraction `events / per_seconds` (never 0).
    pub const fn per_seconds(self) -> u64 {
        self.seconds
    }

    /// Events per second, rounded down.
    pub const fn per_second_floor(self) -> u64 {
        self.events / self.seconds
    }

    /// Events per second in thousandths, rounded half up (83 for 5/min).
    pub const fn milli_per_second(self) -> u64 {
        let m = (self.events as u128 * 1000 + self.seconds as u128 / 2) / self.seconds as u128;
        if m > u64::MAX as u128 {
            u64::MAX
        } else {
            m as u64
        }
    }

    /// Events in a span of time, rounded up (files to preallocate, logs to keep).
    pub fn over(self, span: Duration) -> Option<u64> {
        let total = u128::from(self.events) * u128::from(span.0);
        u64::try_from(total.div_ceil(u128::from(self.seconds))).ok()
    }

    /// `x` per event, per second, rounded up: the bytes per second of
    /// `x`-byte messages at this rate.
    pub fn times(self, x: u64) -> Option<u64> {
        let total = u128::from(self.events) * u128::from(x);
        u64::try_from(total.div_ceil(u128::from(self.seconds))).ok()
    }
}

impl Duration {
    pub const HOUR: u64 = 3600;
    pub const DAY: u64 = 86_400;

    /// Reads `"8h"`, `"30 min"`, `"1.5 d"`, `"90"` (seconds).
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let (number, unit) = split_number(input)?;
        scale_exact(&number, time_unit(input, &unit)?, input).map(Duration)
    }

    pub const fn seconds(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Rate {
    /// The shortest exact spelling: `5,000/s`, `5/min`, `1/h`, `7/13 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (e, s) = (self.events, self.seconds);
        for (name, unit) in [("s", 1), ("min", 60), ("h", 3600), ("d", 86_400)] {
            if unit % s == 0 {
                if let Some(n) = e.checked_mul(unit / s) {
                    return write!(f, "{}/{name}", group_thousands(n));
                }
            }
        }
        write!(f, "{}/{} s", group_thousands(e), group_thousands(s))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        for (name, unit) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("min", 60)] {
            if s >= unit && s % unit == 0 {
                return write!(f, "{} {name}", s / unit);
            }
        }
        write!(f, "{s} s")
    }
}

impl FromStr for Rate {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::parse(s)
    }
}

impl FromStr for Duration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Duration::parse(s)
    }
}

/// A fraction, such as the share of published messages a subscription
/// matches: `0.02`, `"2%"`, `"0.5 %"`, `"150 ppm"`. Kept in millionths so
/// that the formulas stay in integers; a plan writes it back as a decimal
/// fraction (`0.02`), the way the AMPS User Guide writes its match ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ratio(u64);

impl Ratio {
    /// Millionths in a whole (a ratio of 1, 100%).
    pub const ONE: u64 = 1_000_000;

    pub const fn from_ppm(ppm: u64) -> Self {
        Ratio(ppm)
    }

    /// `n` percent.
    pub const fn percent(n: u64) -> Self {
        Ratio(n.saturating_mul(Ratio::ONE / 100))
    }

    /// Millionths (parts per million).
    pub const fn ppm(self) -> u64 {
        self.0
    }

    /// As a decimal fraction, the way a plan writes it: `0.05`, `1.5`.
    pub fn fraction(self) -> String {
        decimal(self.0, 6)
    }

    /// Reads `"0.02"`, `"2%"`, `"2 percent"`, `"150 ppm"`; rounds to the
    /// nearest millionth.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let (number, unit) = split_number(input)?;
        let mult = match unit.to_ascii_lowercase().as_str() {
            "" => Ratio::ONE,
            "%" | "percent" => Ratio::ONE / 100,
            "ppm" => 1,
            _ => return Err(UnitError::NotARatio { input: shown(input) }),
        };
        scale_exact(&number, mult, input).map(Ratio)
    }
}

impl fmt::Display for Ratio {
    /// As a percentage: `2%`, `0.5%`, `0.0001%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", decimal(self.0, 4))
    }
}

impl FromStr for Ratio {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ratio::parse(s)
    }
}

impl Serialize for Ratio {
    /// A decimal fraction: the page shows it as a number field.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Exact below 2^50 millionths (a ratio of a billion, far above any
        // sensible one): both operands are exact doubles, IEEE division
        // rounds to the nearest double, and doubles that small are spaced
        // finer than half a millionth, so it prints back as the same decimal.
        s.serialize_f64(self.0 as f64 / Ratio::ONE as f64)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ratio = match Written::deserialize(d)? {
            Written::Whole(n) => n
                .checked_mul(Ratio::ONE)
                .map(Ratio)
                .ok_or_else(|| UnitError::Overflow { input: n.to_string() }),
            // Through the shortest decimal that reads back as the same
            // double (Rust never prints an exponent here), so 0.02 is 20000.
            Written::Fraction(x) => Ratio::parse(&x.to_string()),
            Written::Text(t) => Ratio::parse(&t),
        };
        ratio.map_err(serde::de::Error::custom)
    }
}

/// A quantity as a plan writes it: a whole number in the base unit, a
/// finite non-negative fraction, or text with a unit. Negative numbers, NaN,
/// infinities, numbers beyond 2^64 and booleans are refused here with a
/// message that says what was written and what to write instead.
pub(crate) enum Written {
    Whole(u64),
    Fraction(f64),
    Text(String),
}

impl Written {
    /// The value for a whole-number quantity, read by `parse` when it is
    /// text or a fraction (which then rounds as `"1.5"` does).
    pub(crate) fn whole<T>(
        self,
        parse: fn(&str) -> Result<T, UnitError>,
        wrap: fn(u64) -> T,
    ) -> Result<T, UnitError> {
        match self {
            Written::Whole(n) => Ok(wrap(n)),
            Written::Fraction(x) => parse(&x.to_string()),
            Written::Text(t) => parse(&t),
        }
    }
}

impl<'de> Deserialize<'de> for Written {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WrittenVisitor)
    }
}

struct WrittenVisitor;

impl serde::de::Visitor<'_> for WrittenVisitor {
    type Value = Written;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of 0 or more, or text with a unit such as \"10 GB\"")
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Written, E> {
        Ok(Written::Whole(n))
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Written, E> {
        u64::try_from(n)
            .map(Written::Whole)
            .map_err(|_| E::custom(UnitError::Negative { input: n.to_string() }))
    }

    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Written, E> {
        // 2^64 as a double: every finite double below it fits in a u64.
        const LIMIT: f64 = 18_446_744_073_709_551_616.0;
        // A huge double printed in full is hundreds of digits; `1e300` is
        // what the user wrote.
        let written = if x.abs() >= 1e16 { format!("{x:e}") } else { x.to_string() };
        if x.is_nan() {
            Err(E::custom(UnitError::NotANumber { input: written }))
        } else if x < 0.0 {
            Err(E::custom(UnitError::Negative { input: written }))
        } else if x >= LIMIT {
            Err(E::custom(UnitError::Overflow { input: written }))
        } else if x.fract() == 0.0 {
            Ok(Written::Whole(x as u64))
        } else {
            Ok(Written::Fraction(x))
        }
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Written, E> {
        Ok(Written::Text(s.to_string()))
    }

    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Written, E> {
        Err(E::custom(UnitError::NotANumber { input: b.to_string() }))
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.exact())
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Written::deserialize(d)?.whole(Bytes::parse, Bytes).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Written::deserialize(d)?.whole(Count::parse, Count).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string().replace(',', ""))
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Written::deserialize(d)?
            .whole(Rate::parse, Rate::per_second)
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Written::deserialize(d)?.whole(Duration::parse, Duration).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_and_binary_are_never_confused() {
        let cases = [
            ("1 KiB", 1024),
            ("1 kB", 1000),
            ("1KB", 1000),
            ("10 GB", 10_000_000_000),
            ("10 GiB", 10 * (1 << 30)),
            ("20M", 20 * (1 << 20)),
            ("64K", 65536),
            ("600 B", 600),
            ("4096", 4096),
            ("1.5 GiB", 1_610_612_736),
            ("2.5MB", 2_500_000),
            ("20,000,000 B", 20_000_000),
        ];
        for (text, want) in cases {
            assert_eq!(Bytes::parse(text), Ok(Bytes(want)), "{text}");
        }
    }

    #[test]
    fn counts_use_si_suffixes() {
        assert_eq!(Count::parse("20M"), Ok(Count(20_000_000)));
        assert_eq!(Count::parse("1.5k"), Ok(Count(1500)));
        assert_eq!(Count::parse("20,000,000"), Ok(Count(20_000_000)));
    }

    /// "150%" was refused with a list of byte units.
    #[test]
    fn percentages_take_a_percent_sign() {
        for (text, want) in [("200", 200), ("150%", 150), ("150 %", 150), ("350 percent", 350)] {
            assert_eq!(Percent::parse(text), Ok(Percent(want)), "{text}");
        }
        assert_eq!(Percent(150).to_string(), "150%");
        let e = Percent::parse("150 GB").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"150 GB\" is not a percentage: write a whole number such as 200 or \"150%\""
        );
        assert!(matches!(Percent::parse("-5%"), Err(UnitError::Negative { .. })));
        let t: Percent =
            toml::from_str::<toml::Table>("p = \"150%\"").unwrap()["p"].clone().try_into().unwrap();
        assert_eq!(t, Percent(150));
    }

    /// "1,5 GB" was read as 15 GB: a comma that does not group thousands
    /// is a decimal comma, refused with the fix.
    #[test]
    fn a_decimal_comma_is_refused() {
        for bad in ["1,5 GB", "1,50", "20,00,000", "1.000,5", ",5", "1234,567"] {
            let e = Bytes::parse(bad).unwrap_err();
            assert!(matches!(e, UnitError::DecimalComma { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("write a decimal with a point"), "{e}");
        }
        assert_eq!(Bytes::parse("1,500 MB"), Ok(Bytes(1_500_000_000)));
        assert_eq!(Count::parse("1,234,567.5"), Ok(Count(1_234_568)));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(Bytes::parse("  "), Err(UnitError::Empty));
        assert!(matches!(Bytes::parse("-1 GB"), Err(UnitError::Negative { .. })));
        assert!(matches!(Bytes::parse("ten"), Err(UnitError::NotANumber { .. })));
        assert!(matches!(Bytes::parse("1 parsec"), Err(UnitError::UnknownUnit { .. })));
        assert!(matches!(Bytes::parse("17 EiB"), Err(UnitError::UnknownUnit { .. })));
        assert!(matches!(Bytes::parse("20000 PB"), Err(UnitError::Overflow { .. })));
        assert!(matches!(Count::parse("1.2.3"), Err(UnitError::NotANumber { .. })));
    }

    #[test]
    fn formatting_shows_both_notations() {
        assert_eq!(Bytes(54_156_819_200).both(), "54.2 GB (50.4 GiB)");
        assert_eq!(Bytes(1_000_000_000).both(), "1 GB (954 MiB)");
        assert_eq!(Bytes(512).both(), "512 B");
        assert_eq!(Bytes(10_000_000_000).exact(), "10 GB");
        assert_eq!(Bytes(1024).exact(), "1 KiB");
        assert_eq!(Bytes(1001).exact(), "1001 B");
        assert_eq!(group_thousands(20_000_000), "20,000,000");
    }

    #[test]
    fn rates_and_durations() {
        assert_eq!(Rate::parse("5000/s"), Ok(Rate::per_second(5000)));
        assert_eq!(Rate::parse("5000"), Ok(Rate::per_second(5000)));
        assert_eq!(Rate::parse("100k/s"), Ok(Rate::per_second(100_000)));
        assert_eq!(Rate::parse("12 per second"), Ok(Rate::per_second(12)));
        assert_eq!(Rate::parse("5/min").map(Rate::milli_per_second), Ok(83));
        assert_eq!(Rate::parse("5 / 1 min").map(Rate::milli_per_second), Ok(83));
        assert_eq!(Rate::parse("3600/h"), Ok(Rate::per_second(1)));
        assert!(matches!(Rate::parse("5/fortnight"), Err(UnitError::UnknownTimeUnit { .. })));
        assert!(Rate::parse("5/0s").is_err());
        assert_eq!(Duration::parse("8h"), Ok(Duration(28_800)));
        assert_eq!(Duration::parse("30 min"), Ok(Duration(1800)));
        assert_eq!(Duration::parse("1.5 d"), Ok(Duration(129_600)));
        assert_eq!(Duration::parse("90"), Ok(Duration(90)));
        let wrong = Duration::parse("7 GB").unwrap_err().to_string();
        assert!(wrong.contains("unknown time unit \"GB\""), "{wrong}");
        assert_eq!(Rate::per_second(10).over(Duration(3600)), Some(36_000));
        assert_eq!(Duration(28_800).to_string(), "8 h");
        assert_eq!(Rate::per_second(5000).to_string(), "5,000/s");
    }

    #[test]
    fn rates_are_exact_fractions() {
        let five_a_minute = Rate::parse("5/min").unwrap();
        assert_eq!(five_a_minute, Rate::per_minute(5));
        assert_eq!(five_a_minute, Rate::new(1, 12).unwrap());
        assert_eq!(Rate::parse("300/h"), Ok(five_a_minute));
        assert_eq!(Rate::parse("1/12 s"), Ok(five_a_minute));
        assert_eq!((five_a_minute.events(), five_a_minute.per_seconds()), (1, 12));
        assert_eq!(five_a_minute.to_string(), "5/min");
        assert_eq!(five_a_minute.over(Duration(8 * 3600)), Some(2400));
        assert_eq!(five_a_minute.times(600_000), Some(50_000));
        assert_eq!(Rate::parse("0.5/s"), Rate::new(1, 2).ok_or(UnitError::Empty));
        assert_eq!(Rate::parse("100M/d"), Ok(Rate::per_day(100_000_000)));
        assert_eq!(Rate::new(7, 13).unwrap().to_string(), "7/13 s");
        assert_eq!(Rate::parse("7/13 s"), Rate::new(7, 13).ok_or(UnitError::Empty));
        assert_eq!(Rate::new(5, 0), None);
        assert_eq!(Rate::parse("0/min"), Ok(Rate::default()));
        assert!(Rate::per_minute(5) < Rate::per_second(1));
        assert!(Rate::per_hour(3601) > Rate::per_second(1));
        let json = serde_json::to_string(&five_a_minute).unwrap();
        assert_eq!(json, "\"5/min\"");
        assert_eq!(serde_json::from_str::<Rate>(&json).unwrap(), five_a_minute);
    }

    #[test]
    fn ratios() {
        assert_eq!(Ratio::parse("2%"), Ok(Ratio::percent(2)));
        assert_eq!(Ratio::parse("0.02"), Ok(Ratio::from_ppm(20_000)));
        assert_eq!(Ratio::parse("2 percent"), Ok(Ratio::percent(2)));
        assert_eq!(Ratio::parse("150 ppm"), Ok(Ratio::from_ppm(150)));
        assert_eq!(Ratio::from_ppm(5_000).to_string(), "0.5%");
        assert_eq!(Ratio::percent(2).to_string(), "2%");
        assert_eq!(Ratio::from_ppm(50_000).fraction(), "0.05");
        assert_eq!(Ratio::percent(150).fraction(), "1.5");
        assert_eq!(decimal(2167, 3), "2.167");
        assert_eq!(decimal(16_000, 3), "16");
        assert_eq!(decimal(1_234_500, 3), "1,234.5");
        assert!(matches!(Ratio::parse("2 widgets"), Err(UnitError::NotARatio { .. })));
        assert!(matches!(Ratio::parse("-2%"), Err(UnitError::Negative { .. })));
        assert!(matches!(Ratio::parse("0,5"), Err(UnitError::DecimalComma { .. })));
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct T {
            m: Ratio,
        }
        let t: T = toml::from_str("m = 0.02").unwrap();
        assert_eq!(t.m, Ratio::percent(2));
        assert_eq!(toml::to_string(&t).unwrap().trim(), "m = 0.02");
        assert_eq!(toml::from_str::<T>("m = \"2%\"").unwrap(), t);
        assert_eq!(toml::from_str::<T>("m = 1").unwrap().m, Ratio::percent(100));
        assert!(toml::from_str::<T>("m = -0.5").is_err());
        assert!(toml::from_str::<T>("m = nan").is_err());
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errors(s in "\\PC*") {
            // Whatever parses prints back to text that parses to the same value.
            if let Ok(b) = Bytes::parse(&s) {
                prop_assert_eq!(Bytes::parse(&b.exact()), Ok(b));
            }
            if let Ok(c) = Count::parse(&s) {
                prop_assert_eq!(Count::parse(&c.get().to_string()), Ok(c));
            }
            if let Ok(r) = Rate::parse(&s) {
                prop_assert_eq!(Rate::parse(&r.to_string()), Ok(r));
            }
            if let Ok(d) = Duration::parse(&s) {
                prop_assert_eq!(Duration::parse(&d.to_string()), Ok(d));
            }
        }

        #[test]
        fn rate_and_duration_round_trip(n in 0u64..1_000_000_000_000, d in 0u64..1_000_000_000) {
            let r = Rate::per_second(n);
            prop_assert_eq!(Rate::parse(&r.to_string()), Ok(r));
            prop_assert_eq!(Duration::parse(&Duration(d).to_string()), Ok(Duration(d)));
        }

        #[test]
        fn any_exact_rate_round_trips(e in any::<u64>(), secs in 1u64..u64::MAX) {
            let r = Rate::new(e, secs).unwrap();
            prop_assert_eq!(Rate::parse(&r.to_string()), Ok(r));
            let json = serde_json::to_string(&r).unwrap();
            prop_assert_eq!(serde_json::from_str::<Rate>(&json).unwrap(), r);
        }

        #[test]
        fn ratios_round_trip(ppm in 0u64..1 << 50) {
            let r = Ratio::from_ppm(ppm);
            prop_assert_eq!(Ratio::parse(&r.to_string().replace(',', "")), Ok(r));
            prop_assert_eq!(Ratio::parse(&r.fraction().replace(',', "")), Ok(r));
            let json = serde_json::to_string(&r).unwrap();
            prop_assert_eq!(serde_json::from_str::<Ratio>(&json).unwrap(), r);
        }

        #[test]
        fn exact_round_trips(n in any::<u64>()) {
            prop_assert_eq!(Bytes::parse(&Bytes(n).exact()), Ok(Bytes(n)));
            let _ = Bytes(n).both();
        }
    }
}
