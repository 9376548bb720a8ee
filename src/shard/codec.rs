//! The shard file's binary words: fixed-width little-endian integers, and floats
//! as their exact bits, so a value read back is the value written.

use std::io::{self, Read, Write};

/// Writes a `u32`.
pub(crate) fn put_u32(out: &mut impl Write, value: u32) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

/// Writes a `u64`.
pub(crate) fn put_u64(out: &mut impl Write, value: u64) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

/// Writes an `i64`.
pub(crate) fn put_i64(out: &mut impl Write, value: i64) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

/// Writes an `i128`.
pub(crate) fn put_i128(out: &mut impl Write, value: i128) -> io::Result<()> {
    out.write_all(&value.to_le_bytes())
}

/// Writes an `f64` as its bits.
pub(crate) fn put_f64(out: &mut impl Write, value: f64) -> io::Result<()> {
    put_u64(out, value.to_bits())
}

fn take<const N: usize>(input: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    input.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Reads a `u32`.
pub(crate) fn get_u32(input: &mut impl Read) -> io::Result<u32> {
    take(input).map(u32::from_le_bytes)
}

/// Reads a `u64`.
pub(crate) fn get_u64(input: &mut impl Read) -> io::Result<u64> {
    take(input).map(u64::from_le_bytes)
}

/// Reads an `i64`.
pub(crate) fn get_i64(input: &mut impl Read) -> io::Result<i64> {
    take(input).map(i64::from_le_bytes)
}

/// Reads an `i128`.
pub(crate) fn get_i128(input: &mut impl Read) -> io::Result<i128> {
    take(input).map(i128::from_le_bytes)
}

/// Reads an `f64` from its bits.
pub(crate) fn get_f64(input: &mut impl Read) -> io::Result<f64> {
    get_u64(input).map(f64::from_bits)
}

/// The error of a value that cannot be what was written: a shard that passed its
/// checksum but does not fit the scenario's accumulators.
pub(crate) fn mismatch(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_exactly() {
        let mut bytes = Vec::new();
        put_u32(&mut bytes, 7).unwrap();
        put_i64(&mut bytes, -3).unwrap();
        put_i128(&mut bytes, -(1 << 120)).unwrap();
        put_f64(&mut bytes, -0.1).unwrap();
        put_f64(&mut bytes, f64::NAN).unwrap();
        let mut input = bytes.as_slice();
        assert_eq!(get_u32(&mut input).unwrap(), 7);
        assert_eq!(get_i64(&mut input).unwrap(), -3);
        assert_eq!(get_i128(&mut input).unwrap(), -(1 << 120));
        assert_eq!(get_f64(&mut input).unwrap().to_bits(), (-0.1f64).to_bits());
        assert!(get_f64(&mut input).unwrap().is_nan());
        assert!(get_u64(&mut input).is_err(), "nothing is left");
    }
}
