//! Exact figures (spec §4): every number in a policy or in the data is the decimal written,
//! and arithmetic and comparisons are exact, as a person with a calculator would do them.
//!
//! - [`parse_decimal`] reads a plain decimal (`-12`, `79.5`) from text, never through `f64`;
//! - [`Packed`] holds one figure in 8 bytes, for the dense stores of metric values;
//! - [`Num`] is a value while evaluating: a fraction of two decimals, so that `average` and
//!   `/` compare exactly even when the quotient does not end (`4 / 3`);
//! - [`Figure`] is a figure in results: printed as written (`2.5`, `78`), in JSON as a number.

use std::cmp::Ordering;
use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most significant digits a figure in the data may have: enough for any real measure,
/// and few enough that every figure prints and reads back exactly in JSON.
pub const MAX_DIGITS: u32 = 15;

/// The help for a number written with an exponent, in data and in policies alike.
pub const EXPONENT_HELP: &str = "write the number out in full, with digits and an optional \
     decimal point (`1000`, not `1e3`): figures are read exactly as written";

/// Why a text is not a plain decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberProblem {
    /// Not a number at all (`8O`, `NaN`, `1,234`, empty).
    NotANumber,
    /// Written with an exponent (`1e3`): write the number out.
    Exponent,
    /// More than [`MAX_DIGITS`] significant digits.
    TooManyDigits,
}

/// Parses a plain decimal: an optional sign, digits, and an optional fraction (`-12`,
/// `79.5`, `+3`, `.5`, `5.`). An exponent, `NaN`, `inf` or separators are refused.
pub fn parse_decimal(text: &str) -> Result<Decimal, NumberProblem> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut mantissa: i128 = 0;
    let mut digits = 0u32;
    let mut significant = 0u32;
    let mut scale: Option<u32> = None;
    for &b in rest {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if mantissa != 0 || b != b'0' {
                    significant += 1;
                }
                if significant > MAX_DIGITS {
                    return Err(NumberProblem::TooManyDigits);
                }
                mantissa = mantissa * 10 + i128::from(b - b'0');
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            b'.' if scale.is_none() => scale = Some(0),
            b'e' | b'E' if digits > 0 => return Err(NumberProblem::Exponent),
            _ => return Err(NumberProblem::NotANumber),
        }
    }
    if digits == 0 {
        return Err(NumberProblem::NotANumber);
    }
    let scale = scale.unwrap_or(0);
    if scale > 28 {
        return Err(NumberProblem::TooManyDigits);
    }
    let signed = if negative { -mantissa } else { mantissa };
    let value = Decimal::try_from_i128_with_scale(signed, scale)
        .map_err(|_| NumberProblem::TooManyDigits)?;
    Ok(value)
}

/// One exact figure in 8 bytes: a 59-bit mantissa and a 5-bit scale; or missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Packed(i64);

impl Packed {
    /// No figure.
    pub const MISSING: Packed = Packed(i64::MIN);

    /// Packs a figure; `None` when it has more digits than fit (the parser never makes one).
    pub fn new(value: Decimal) -> Option<Packed> {
        let value = value.normalize();
        Packed::from_parts(i64::try_from(value.mantissa()).ok()?, value.scale())
    }

    /// Packs the figure `mantissa / 10^scale`, without the trailing zeros of its fraction (as
    /// [`Packed::new`] packs the decimal); `None` when it has more digits than fit.
    #[inline]
    pub(crate) fn from_parts(mut mantissa: i64, mut scale: u32) -> Option<Packed> {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        // Not -2^58 either: with scale 0 its bits are the missing mark's.
        let limit = 1i64 << 58;
        if !(-limit + 1..limit).contains(&mantissa) || scale > 31 {
            return None;
        }
        Some(Packed((mantissa << 5) | i64::from(scale)))
    }

    /// The figure's mantissa and scale (`mantissa / 10^scale`, with no trailing zeros in its
    /// fraction), or `None` when missing.
    #[inline]
    pub(crate) fn parts(self) -> Option<(i64, u32)> {
        (self != Packed::MISSING).then_some((self.0 >> 5, (self.0 & 31) as u32))
    }

    /// Compares the figure with `number` exactly, as [`Num::compare`] compares them, without
    /// making a decimal of the figure; `None` when missing.
    #[inline]
    pub(crate) fn compare_to(self, number: Decimal) -> Option<Ordering> {
        let (mantissa, scale) = self.parts()?;
        let fast = compare_parts(
            (i128::from(mantissa), scale),
            (number.mantissa(), number.scale()),
        );
        Some(fast.unwrap_or_else(|| Decimal::new(mantissa, scale).cmp(&number)))
    }

    /// The figure, or `None` when missing.
    #[inline]
    pub fn get(self) -> Option<Decimal> {
        if self == Packed::MISSING {
            return None;
        }
        Some(Decimal::new(self.0 >> 5, (self.0 & 31) as u32))
    }
}

/// A [`Packed`] figure in 4 bytes, when it fits (a mantissa from −2^26 to 2^26 − 1 with its
/// scale, but for −2^26 with no decimal places, whose bits are the missing mark; as nearly
/// every figure of a performance file is); or missing. The bits are those of the
/// packed figure, so narrowing and widening cost a comparison and a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Narrow(i32);

impl Narrow {
    /// No figure.
    pub(crate) const MISSING: Narrow = Narrow(i32::MIN);

    /// The figure in 4 bytes (missing for missing); `None` when it does not fit.
    #[inline]
    pub(crate) fn new(figure: Packed) -> Option<Narrow> {
        if figure == Packed::MISSING {
            return Some(Narrow::MISSING);
        }
        i32::try_from(figure.0)
            .ok()
            .filter(|&bits| bits != i32::MIN)
            .map(Narrow)
    }

    /// The figure in 8 bytes.
    #[inline]
    pub(crate) fn widen(self) -> Packed {
        if self == Narrow::MISSING {
            Packed::MISSING
        } else {
            Packed(i64::from(self.0))
        }
    }
}

/// An exact number while evaluating: `n / d` with `d > 0`. Numbers read or written are whole
/// decimals (`d = 1`); `average` and `/` make fractions, compared by cross-multiplying.
#[derive(Clone, Copy, Debug)]
pub struct Num {
    n: Decimal,
    d: Decimal,
}

impl Num {
    /// A decimal.
    pub fn new(value: Decimal) -> Num {
        Num {
            n: value,
            d: Decimal::ONE,
        }
    }

    /// A whole number.
    pub fn from_i64(value: i64) -> Num {
        Num::new(Decimal::from(value))
    }

    /// `n / d`, made a plain decimal when the quotient ends; `None` when `d` is zero.
    pub fn ratio(n: Decimal, d: Decimal) -> Option<Num> {
        if d.is_zero() {
            return None;
        }
        let (n, d) = if d.is_sign_negative() {
            (-n, -d)
        } else {
            (n, d)
        };
        if d == Decimal::ONE {
            return Some(Num::new(n));
        }
        if let Some(q) = n.checked_div(d) {
            // A quotient that does not end fills every digit a decimal has, and multiplying
            // it back can round to `n` (101 / 3 = 33.66…667, × 3 = 101): such a quotient is
            // kept as the fraction it is.
            let fills_every_digit = q.mantissa().unsigned_abs() >= 10u128.pow(26);
            if !fills_every_digit && q.checked_mul(d) == Some(n) {
                return Some(Num::new(q));
            }
        }
        Some(Num { n, d })
    }

    /// `self + other`; `None` on overflow.
    pub fn checked_add(self, other: Num) -> Option<Num> {
        if self.d == other.d {
            return Num::ratio(self.n.checked_add(other.n)?, self.d);
        }
        let n = self
            .n
            .checked_mul(other.d)?
            .checked_add(other.n.checked_mul(self.d)?)?;
        Num::ratio(n, self.d.checked_mul(other.d)?)
    }

    /// `self - other`; `None` on overflow.
    pub fn checked_sub(self, other: Num) -> Option<Num> {
        self.checked_add(other.negate())
    }

    /// `self × other`; `None` on overflow.
    pub fn checked_mul(self, other: Num) -> Option<Num> {
        Num::ratio(self.n.checked_mul(other.n)?, self.d.checked_mul(other.d)?)
    }

    /// `self ÷ other`; `None` when dividing by zero or on overflow.
    pub fn checked_div(self, other: Num) -> Option<Num> {
        Num::ratio(self.n.checked_mul(other.d)?, self.d.checked_mul(other.n)?)
    }

    /// `-self`.
    pub fn negate(self) -> Num {
        Num {
            n: -self.n,
            d: self.d,
        }
    }

    /// Compares exactly, as fractions (falls back to 28-digit quotients on overflow, far
    /// beyond any figure's digits).
    pub fn compare(self, other: Num) -> Ordering {
        if is_exactly_one(self.d) && is_exactly_one(other.d) {
            if let Some(ordering) = compare_mantissas(self.n, other.n) {
                return ordering;
            }
        }
        if self.d == other.d {
            return self.n.cmp(&other.n);
        }
        match (self.n.checked_mul(other.d), other.n.checked_mul(self.d)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => (self.n / self.d).cmp(&(other.n / other.d)),
        }
    }

    /// The value as a decimal: exact when it ends, otherwise rounded half to even at 6
    /// decimal places (spec §4).
    pub fn to_decimal(self) -> Decimal {
        if self.d == Decimal::ONE {
            return self.n.normalize();
        }
        (self.n / self.d)
            .round_dp_with_strategy(6, RoundingStrategy::MidpointNearestEven)
            .normalize()
    }

    /// The value as a whole number, when it is one.
    pub fn to_i64(self) -> Option<i64> {
        let value = self.to_decimal();
        (value.fract().is_zero() && self.d == Decimal::ONE)
            .then(|| i64::try_from(value).ok())
            .flatten()
    }
}

/// Whether `d` is the `1` that [`Num::new`] gives a whole decimal (a cheap test of its parts,
/// unlike `==`, which rescales).
#[inline]
fn is_exactly_one(d: Decimal) -> bool {
    d.scale() == 0 && d.mantissa() == 1
}

/// Compares two decimals by their mantissas brought to the same number of places, when their
/// places differ by at most 9 (so that the products fit in 128 bits; `None` otherwise, for the
/// general comparison): what comparing the decimals gives, without `rust_decimal`'s general
/// rescaling, the commonest step of evaluating a condition.
#[inline]
fn compare_mantissas(a: Decimal, b: Decimal) -> Option<Ordering> {
    compare_parts((a.mantissa(), a.scale()), (b.mantissa(), b.scale()))
}

/// [`compare_mantissas`] of two figures given as `(mantissa, scale)`, each mantissa under
/// 2^96.
#[inline]
fn compare_parts((a, a_scale): (i128, u32), (b, b_scale): (i128, u32)) -> Option<Ordering> {
    const POWERS: [i128; 10] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    // A mantissa is under 2^96 and a power up to 10^9 under 2^30: products fit in an i128.
    match a_scale.cmp(&b_scale) {
        Ordering::Equal => Some(a.cmp(&b)),
        Ordering::Greater => {
            let power = POWERS.get((a_scale - b_scale) as usize)?;
            Some(a.cmp(&(b * power)))
        }
        Ordering::Less => {
            let power = POWERS.get((b_scale - a_scale) as usize)?;
            Some((a * power).cmp(&b))
        }
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.compare(*other) == Ordering::Equal
    }
}

impl From<Decimal> for Num {
    fn from(value: Decimal) -> Num {
        Num::new(value)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

/// A figure in results: printed as its exact decimal (`2.5`, `78`), serialised in JSON as a
/// number that reads back to the same decimal.
///
/// ```
/// use escalate::{Decimal, Figure};
///
/// let figure = Figure::from("78.50".parse::<Decimal>().unwrap());
/// assert_eq!(figure.to_string(), "78.5");
/// assert_eq!(serde_json::to_string(&figure).unwrap(), "78.5");
/// let back: Figure = serde_json::from_str("78.5").unwrap();
/// assert_eq!(back, figure);
/// assert_eq!(Figure::from(Decimal::from(41)).to_string(), "41");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Figure(pub Decimal);

impl Figure {
    /// The value rounded to the nearest `f64`, for drawing charts (never for deciding).
    pub fn to_f64(self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.0.to_f64().unwrap_or(0.0)
    }
}

impl Num {
    /// The value as a figure in results.
    pub fn to_figure(self) -> Figure {
        Figure(self.to_decimal())
    }
}

impl From<Decimal> for Figure {
    fn from(value: Decimal) -> Figure {
        Figure(value.normalize())
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Figure {
    /// A whole number as an integer; otherwise the nearest `f64`, whose shortest form is the
    /// decimal itself for figures of at most 15 significant digits.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0.normalize();
        if value.scale() == 0 {
            if let Ok(whole) = i64::try_from(value) {
                return serializer.serialize_i64(whole);
            }
        }
        serializer.serialize_f64(self.to_f64())
    }
}

impl Figure {
    /// Writes the figure as JSON, the same bytes as serde_json writes its [`Serialize`]
    /// form, but for the usual figures without the serializer (a backtest writes hundreds of
    /// thousands): a whole number as its digits; a fraction of at most 15 significant digits
    /// that `f64`'s shortest form writes without an exponent (at least 0.00001) as the
    /// decimal itself, which that shortest form is.
    pub(crate) fn write_json(self, out: &mut Vec<u8>) {
        let value = self.0.normalize();
        let digits = value.mantissa().unsigned_abs();
        let scale = value.scale() as usize;
        let plain = match scale {
            0 => i64::try_from(value.mantissa()).is_ok(),
            // Below 10^15 the `f64` is the nearest to the decimal, and the shortest form
            // that reads back to it is the decimal; `ryu` writes an exponent below 0.00001.
            _ => digits < 10u128.pow(15) && decimal_digits(digits as u64) + 5 > scale,
        };
        match plain {
            // A whole number in `i64`, or below 10^15: the digits fit in a `u64`.
            true => {
                let negative = value.is_sign_negative() && digits != 0;
                write_decimal(out, negative, digits as u64, scale)
            }
            false => serde_json::to_writer(out, &self).expect("a figure written to memory"),
        }
    }
}

/// How many decimal digits `n` has (one for zero).
fn decimal_digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Writes `digits` scaled down by `scale` places as a plain decimal (`-0.05`, `76.2`, `41`),
/// with a zero before the point when there is no whole part.
fn write_decimal(out: &mut Vec<u8>, negative: bool, mut digits: u64, scale: usize) {
    let mut text = [b'0'; 64];
    let mut at = text.len();
    let mut written = 0;
    while digits > 0 || written <= scale {
        if written == scale && scale > 0 {
            at -= 1;
            text[at] = b'.';
        }
        at -= 1;
        text[at] = b'0' + (digits % 10) as u8;
        digits /= 10;
        written += 1;
    }
    if negative {
        at -= 1;
        text[at] = b'-';
    }
    out.extend_from_slice(&text[at..]);
}

impl<'de> Deserialize<'de> for Figure {
    /// A figure read back from its serialised form: an integer, a number (read from its
    /// shortest decimal form, which is the figure as written), or a string, parsed exactly.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Figure, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Figure;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Figure, E> {
                Ok(Figure(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Figure, E> {
                Ok(Figure(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Figure, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Figure, E> {
                parse_decimal(v.trim())
                    .map(Figure::from)
                    .map_err(|_| E::custom(format!("`{v}` is not a plain decimal number")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_figures_are_the_packed_ones_that_fit_in_four_bytes() {
        let packed = |m: i64, s: u32| Packed::from_parts(m, s).unwrap();
        for figure in [
            packed(0, 0),
            packed(785, 1),
            packed(-3, 2),
            packed((1 << 26) - 1, 0),
            packed(-(1 << 26) + 1, 0),
            packed(-(1 << 26), 3),
            Packed::MISSING,
        ] {
            assert_eq!(Narrow::new(figure).map(Narrow::widen), Some(figure));
        }
        assert_eq!(Narrow::new(Packed::MISSING), Some(Narrow::MISSING));
        // Too wide: a mantissa outside −2^26 to 2^26 − 1, and the one whose bits are
        // `Narrow::MISSING`'s.
        assert_eq!(Narrow::new(packed(1 << 26, 0)), None);
        assert_eq!(Narrow::new(packed(-(1 << 26) - 1, 0)), None);
        assert_eq!(Narrow::new(packed(-(1 << 26), 0)), None);
        assert_eq!(Narrow::new(packed(123_456_789_012, 4)), None);
    }

    proptest::proptest! {
        /// A figure narrowed and widened again is the same figure, and only figures whose
        /// mantissa is outside −2^26 to 2^26 − 1 (or is −2^26 with scale 0) are refused.
        #[test]
        fn narrowing_keeps_every_figure_that_fits(
            mantissa in -(1i64 << 30)..(1i64 << 30),
            scale in 0u32..=28,
        ) {
            let Some(figure) = Packed::from_parts(mantissa, scale) else { return Ok(()) };
            let (m, _) = figure.parts().unwrap();
            let fits = (-(1i64 << 26)..(1i64 << 26)).contains(&m) && figure.0 != i64::from(i32::MIN);
            proptest::prop_assert_eq!(Narrow::new(figure).map(Narrow::widen), fits.then_some(figure));
        }
    }

    fn dec(text: &str) -> Decimal {
        parse_decimal(text).unwrap()
    }

    /// `figure` as [`Figure::write_json`] writes it.
    fn written(figure: Figure) -> String {
        let mut out = Vec::new();
        figure.write_json(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn figures_are_written_as_serde_json_writes_them() {
        for text in [
            "0",
            "-0",
            "0.00",
            "41",
            "-41",
            "78.50",
            "76.2",
            "-0.5",
            "0.00001",
            "0.000012",
            "0.000001",
            "-0.0000012",
            "123456789012345",
            "12345678901234.5",
            "1234567890123.45",
            "0.123456789012345",
            "1.23456789012345",
            "9999999999999999",
            "99999999999999.99",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "max",
            "1e-28",
        ] {
            let figure = Figure::from(match text {
                "max" => Decimal::MAX,
                "1e-28" => Decimal::new(1, 28),
                _ => text.parse().unwrap(),
            });
            assert_eq!(
                written(figure),
                serde_json::to_string(&figure).unwrap(),
                "{text}"
            );
        }
    }

    /// Decimal mantissas, small, of 16 digits, and of any size a decimal holds.
    fn mantissas() -> impl proptest::strategy::Strategy<Value = i128> {
        proptest::prop_oneof![
            -1_000_000i128..1_000_000,
            -10i128.pow(16)..10i128.pow(16),
            -(2i128.pow(96) - 1)..2i128.pow(96),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// Any figure, whole or not, of any size and scale, is written as serde_json writes it.
        #[test]
        fn any_figure_is_written_as_serde_json_writes_it(
            mantissa in mantissas(),
            scale in 0u32..=28,
        ) {
            let figure = Figure::from(Decimal::from_i128_with_scale(mantissa, scale));
            proptest::prop_assert_eq!(written(figure), serde_json::to_string(&figure).unwrap());
        }

        /// Two decimals of any size and scale compare as `rust_decimal` compares them, the
        /// fast way (same or nearby scales) or the general one.
        #[test]
        fn decimals_compare_as_rust_decimal_compares_them(
            a in mantissas(),
            b in mantissas(),
            a_scale in 0u32..=28,
            b_scale in proptest::prop_oneof![0u32..=28, 0u32..=3],
        ) {
            let (a, b) = (
                Decimal::from_i128_with_scale(a, a_scale),
                Decimal::from_i128_with_scale(b, b_scale),
            );
            proptest::prop_assert_eq!(Num::new(a).compare(Num::new(b)), a.cmp(&b));
            proptest::prop_assert_eq!(Num::new(b).compare(Num::new(a)), b.cmp(&a));
            proptest::prop_assert_eq!(Num::new(a).compare(Num::new(a)), Ordering::Equal);
            if let Some(ordering) = compare_mantissas(a, b) {
                proptest::prop_assert_eq!(ordering, a.cmp(&b));
            }
        }

        /// A stored figure compared with a policy's number, without making a decimal of the
        /// figure, orders them as comparing their values does; a missing figure has no order.
        #[test]
        fn stored_figures_compare_with_numbers_as_their_values_do(
            mantissa in -(1i64 << 57)..(1i64 << 57),
            scale in proptest::prop_oneof![0u32..=6, 0u32..=28],
            number in mantissas(),
            number_scale in proptest::prop_oneof![0u32..=3, 0u32..=28],
        ) {
            let Some(figure) = Packed::from_parts(mantissa, scale) else { return Ok(()) };
            let number = Decimal::from_i128_with_scale(number, number_scale);
            let value = figure.get().unwrap();
            proptest::prop_assert_eq!(figure.compare_to(number), Some(Num::new(value).compare(Num::new(number))));
            proptest::prop_assert_eq!(figure.compare_to(value), Some(Ordering::Equal));
            proptest::prop_assert_eq!(Packed::MISSING.compare_to(number), None);
        }
    }

    #[test]
    fn stored_figures_on_a_threshold_compare_equal_whatever_their_places() {
        let exact = |text: &str| Decimal::from_str_exact(text).unwrap();
        let figure = Packed::from_parts(800, 1).unwrap();
        assert_eq!(figure.compare_to(exact("80")), Some(Ordering::Equal));
        assert_eq!(figure.compare_to(exact("80.000")), Some(Ordering::Equal));
        assert_eq!(
            figure.compare_to(exact("80.0000000001")),
            Some(Ordering::Less)
        );
        assert_eq!(
            figure.compare_to(exact("79.99999999999999999999")),
            Some(Ordering::Greater)
        );
        let negative = Packed::from_parts(-25, 1).unwrap();
        assert_eq!(negative.compare_to(exact("-2.5")), Some(Ordering::Equal));
        assert_eq!(negative.compare_to(exact("-2.4")), Some(Ordering::Less));
    }

    #[test]
    fn parses_plain_decimals_exactly() {
        assert_eq!(dec("2.3").to_string(), "2.3");
        assert_eq!(dec("-12").to_string(), "-12");
        assert_eq!(dec("+0.50").normalize().to_string(), "0.5");
        assert_eq!(dec(".5").to_string(), "0.5");
        assert_eq!(dec("5.").to_string(), "5");
        assert_eq!(parse_decimal("1e3"), Err(NumberProblem::Exponent));
        assert_eq!(parse_decimal("NaN"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_decimal("1,234"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_decimal("-"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_decimal("1.2.3"), Err(NumberProblem::NotANumber));
        assert_eq!(
            parse_decimal("1234567890123456"),
            Err(NumberProblem::TooManyDigits)
        );
        assert!(parse_decimal("0.000000000000001").is_ok());
    }

    #[test]
    fn the_average_of_the_spec_is_exactly_two_and_a_half() {
        let sum = [dec("2.8"), dec("2.4"), dec("2.3")]
            .into_iter()
            .fold(Num::from_i64(0), |a, b| a.checked_add(Num::new(b)).unwrap());
        let average = Num::ratio(sum.to_decimal(), Decimal::from(3)).unwrap();
        assert_eq!(average.compare(Num::new(dec("2.5"))), Ordering::Equal);
        assert_eq!(average.to_string(), "2.5");
    }

    #[test]
    fn decimals_written_with_more_places_compare_equal() {
        for (a, b) in [
            ("80", "80.0"),
            ("2.5", "2.50"),
            ("-0", "0.000"),
            ("75", "75.000000001"),
        ] {
            let expected = dec(a).cmp(&dec(b));
            assert_eq!(
                Num::new(dec(a)).compare(Num::new(dec(b))),
                expected,
                "{a} {b}"
            );
            assert_eq!(
                Num::new(dec(b)).compare(Num::new(dec(a))),
                expected.reverse()
            );
        }
        assert_eq!(Num::new(dec("80")), Num::new(dec("80.00")));
    }

    #[test]
    fn fractions_compare_exactly_and_print_rounded() {
        let third = Num::from_i64(4).checked_div(Num::from_i64(3)).unwrap();
        assert_eq!(third.compare(Num::new(dec("1.333333"))), Ordering::Greater);
        assert_eq!(third.compare(Num::new(dec("1.333334"))), Ordering::Less);
        assert_eq!(third.to_string(), "1.333333");
        assert_eq!(
            third.checked_mul(Num::from_i64(3)).unwrap().to_string(),
            "4"
        );
        assert_eq!(Num::from_i64(1).checked_div(Num::from_i64(0)), None);
        let hundred_and_one_thirds = Num::from_i64(101).checked_div(Num::from_i64(3)).unwrap();
        assert_eq!(hundred_and_one_thirds.to_decimal(), dec("33.666667"));
        let seven_halves = Num::new(dec("7.5")).checked_div(Num::from_i64(3)).unwrap();
        assert_eq!(seven_halves.to_string(), "2.5");
    }

    #[test]
    fn packs_and_unpacks() {
        for text in ["0", "78", "-12.25", "0.000001", "123456789012345", "99.999"] {
            let value = dec(text);
            assert_eq!(Packed::new(value).unwrap().get(), Some(value.normalize()));
        }
        assert_eq!(Packed::MISSING.get(), None);
        // The largest mantissas that fit, and the one whose bits would be the missing mark's.
        let limit = 1i64 << 58;
        assert!(Packed::from_parts(limit - 1, 0).is_some_and(|p| p != Packed::MISSING));
        assert!(Packed::from_parts(-limit + 1, 0).is_some_and(|p| p != Packed::MISSING));
        assert_eq!(Packed::from_parts(-limit, 0), None);
        assert_eq!(Packed::from_parts(limit, 0), None);
    }

    #[test]
    fn figures_serialise_as_numbers_that_read_back() {
        let json = |text: &str| serde_json::to_string(&Figure::from(dec(text))).unwrap();
        assert_eq!(json("78"), "78");
        assert_eq!(json("78.0"), "78");
        assert_eq!(json("2.5"), "2.5");
        assert_eq!(json("0.1"), "0.1");
        assert_eq!(json("123456.789012345"), "123456.789012345");
    }
}
