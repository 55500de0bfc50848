//! Exact arithmetic for the formulas that mix rates, ratios and sizes: every
//! intermediate is an exact rational over big integers, and a figure is
//! rounded once, when it becomes a result. So a result that fits in a u64 is
//! returned exactly however large its intermediates grow (issue 22: a 1 TiB
//! message's day of transaction log is above 2^64 bytes, its file is not),
//! and no unit is derived from an already rounded one.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;

use crate::report::CalcError;
use crate::units::{Rate, Ratio};

/// An exact rational.
pub type Q = BigRational;

/// A whole number.
pub fn int(n: u64) -> Q {
    Q::from_integer(BigInt::from(n))
}

/// Events per second, exactly (`5/min` is 1/12).
pub fn rate(r: Rate) -> Q {
    Q::new(BigInt::from(r.events()), BigInt::from(r.per_seconds()))
}

/// A ratio as a fraction of one (`2%` is 1/50).
pub fn ratio(r: Ratio) -> Q {
    Q::new(BigInt::from(r.ppm()), BigInt::from(Ratio::ONE))
}

/// `q` rounded up to a whole unit: what to provision. Above `u64::MAX` it is
/// an overflow naming `field`.
pub fn ceil(q: &Q, field: &str) -> Result<u64, CalcError> {
    fit(q.ceil(), field)
}

/// `q` rounded down to a whole unit: how many fit.
pub fn floor(q: &Q, field: &str) -> Result<u64, CalcError> {
    fit(q.floor(), field)
}

fn fit(whole: Q, field: &str) -> Result<u64, CalcError> {
    whole.to_integer().to_u64().ok_or_else(|| CalcError::Overflow { field: field.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_once_at_the_end() {
        // 7 B a minute is 56/60 bit/s: one bit per second rounded up, not 8.
        let bits = rate(Rate::per_minute(7)) * int(8);
        assert_eq!(ceil(&bits, "x"), Ok(1));
        assert_eq!(floor(&bits, "x"), Ok(0));
        let big = int(u64::MAX) * int(3) / int(3);
        assert_eq!(ceil(&big, "x"), Ok(u64::MAX));
        let over = int(u64::MAX) + Q::new(1.into(), 2.into());
        assert_eq!(ceil(&over, "x"), Err(CalcError::Overflow { field: "x".into() }));
        assert_eq!(ratio(Ratio::percent(2)), Q::new(1.into(), 50.into()));
    }
}
