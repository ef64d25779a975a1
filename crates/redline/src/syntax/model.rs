//! The model file: a versioned binary format of our own, and its little-endian reader and writer.
//!
//! A model is the magic `REDLINE-SYNTAX`, a format version (`u32`), then the tagger, lemmatiser
//! and parser sections in that order, each written by its own module with [`ByteWriter`] and read
//! back with [`ByteReader`]. Decoding never panics on bad bytes: it returns a [`SyntaxError`]
//! naming the byte offset and what was expected there.

use super::SyntaxError;

/// The first bytes of every model file.
pub const MAGIC: &[u8] = b"REDLINE-SYNTAX";

/// The format version written by this build; older or newer files are refused. Version 2 changed
/// no layout but what the bytes mean: features hashed by the cheaper `perceptron::feature`,
/// unknown words as one value, weights quantised so that 16-bit scores cannot overflow. A
/// version 1 model would load and parse nonsense, so it is refused. Version 3: the parser's dummy
/// root is at the end of the buffer. Version 4: ten parser templates fewer. Version 5: parser
/// tag values carry the coarse tag (UPOS), seven templates over coarse tags. Version 6: the
/// parser's beam width, after its labels. Version 7: two tagger features of how capitalised
/// the sentence is. Version 8: a flag and the supertagger after the parser.
pub const FORMAT_VERSION: u32 = 8;

/// Appends little-endian values to a byte vector.
#[derive(Debug, Default)]
pub struct ByteWriter {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl ByteWriter {
    /// Writes one byte.
    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    /// Writes a `u16`.
    pub fn u16(&mut self, value: u16) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Writes a `u32`.
    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Writes an `f32`.
    pub fn f32(&mut self, value: f32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// Writes a length-prefixed UTF-8 string.
    pub fn str(&mut self, value: &str) {
        self.u32(value.len() as u32);
        self.bytes.extend_from_slice(value.as_bytes());
    }
}

/// Reads little-endian values from a byte slice, failing with the offset at fault.
#[derive(Debug)]
pub struct ByteReader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> ByteReader<'a> {
        ByteReader { bytes, offset: 0 }
    }

    /// An error at the current offset.
    pub fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError::Model {
            offset: self.offset,
            message: message.into(),
        }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], SyntaxError> {
        if self.bytes.len() - self.offset < n {
            return Err(self.error(format!("truncated: expected {n} bytes of {what}")));
        }
        let slice = &self.bytes[self.offset..self.offset + n];
        self.offset += n;
        Ok(slice)
    }

    /// Reads one byte.
    pub fn u8(&mut self, what: &str) -> Result<u8, SyntaxError> {
        Ok(self.take(1, what)?[0])
    }

    /// Reads a `u16`.
    pub fn u16(&mut self, what: &str) -> Result<u16, SyntaxError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Reads a `u32`.
    pub fn u32(&mut self, what: &str) -> Result<u32, SyntaxError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads an `f32`.
    pub fn f32(&mut self, what: &str) -> Result<f32, SyntaxError> {
        let b = self.take(4, what)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a length-prefixed UTF-8 string.
    pub fn str(&mut self, what: &str) -> Result<String, SyntaxError> {
        let n = self.u32(what)? as usize;
        let at = self.offset;
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| SyntaxError::Model {
            offset: at,
            message: format!("{what} is not utf-8"),
        })
    }

    /// Whether every byte was read.
    pub fn at_end(&self) -> bool {
        self.offset == self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_truncation_names_the_offset() {
        let mut w = ByteWriter::default();
        w.u8(7);
        w.u16(300);
        w.u32(70_000);
        w.f32(-1.5);
        w.str("nsubj");
        let mut r = ByteReader::new(&w.bytes);
        assert_eq!(r.u8("a").unwrap(), 7);
        assert_eq!(r.u16("b").unwrap(), 300);
        assert_eq!(r.u32("c").unwrap(), 70_000);
        assert_eq!(r.f32("d").unwrap(), -1.5);
        assert_eq!(r.str("e").unwrap(), "nsubj");
        assert!(r.at_end());
        let err = r.u32("label count").unwrap_err().to_string();
        assert!(
            err.contains("offset 20") && err.contains("label count"),
            "{err}"
        );
    }
}
