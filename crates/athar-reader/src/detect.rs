//! What a file is: XLSX or CSV text, and the text's encoding.
//!
//! Decided from the content, never the file name:
//! 1. A ZIP header is an XLSX workbook; a legacy `.xls` (OLE2), PDF, HTML or XML file is rejected
//!    by name.
//! 2. A byte-order mark decides UTF-8, UTF-16LE or UTF-16BE (a UTF-32 mark is rejected).
//! 3. Without a mark, NUL bytes on one parity of the first 64 KiB mean UTF-16 without a mark;
//!    any other NUL bytes, or more than 1% control characters, mean binary data: rejected.
//! 4. Otherwise the file is scanned as UTF-8 (all of it, or until 4 KiB of non-ASCII bytes were
//!    all valid — Windows-1256 Arabic is never valid UTF-8 for long, because its letters
//!    0xC1–0xFE are lead bytes followed by other lead bytes). Valid → UTF-8. Invalid bytes
//!    found only after at least 8 valid multi-byte characters → still UTF-8 (the bad bytes read
//!    as U+FFFD and their rows are reported).
//! 5. Not UTF-8 → Windows-1256, if the text decoded that way is plausible: its non-ASCII
//!    characters are mostly Arabic letters, Latin letters and common punctuation, and its words
//!    do not mix Arabic and Latin letters (what ISO-8859-6, DOS-720, or Windows-1252 with
//!    non-French letters turn into when read as Windows-1256). Otherwise: unknown encoding.

use std::io::{self, Read, Seek, SeekFrom};

use crate::Encoding;
use crate::error::ReadError;

/// How many bytes of the head are sniffed.
pub(crate) const HEAD: usize = 64 * 1024;
/// How many valid non-ASCII bytes settle that a file is UTF-8.
const UTF8_SETTLED: usize = 4 * 1024;

/// What the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Xlsx,
    Text(Encoding),
}

/// Reads up to `n` bytes (fewer only at end of file).
fn read_up_to<R: Read>(src: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    src.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Decides what the source is and rewinds it to the start. Returns the kind and the head of
/// the file (its first 64 KiB).
pub(crate) fn detect<R: Read + Seek>(
    name: &str,
    src: &mut R,
) -> Result<(Kind, Vec<u8>), ReadError> {
    let io_err = |source| ReadError::Io {
        name: name.to_owned(),
        source,
    };
    let head = read_up_to(src, HEAD).map_err(io_err)?;
    let not_a_list = |what: &str| ReadError::NotAList {
        name: name.to_owned(),
        what: what.to_owned(),
    };
    if head.is_empty() {
        return Err(ReadError::Empty {
            name: name.to_owned(),
        });
    }
    if head.starts_with(b"PK\x03\x04") {
        src.seek(SeekFrom::Start(0)).map_err(io_err)?;
        return Ok((Kind::Xlsx, head));
    }
    if head.starts_with(b"PK") {
        return Err(not_a_list("an empty or split ZIP archive"));
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(not_a_list(
            "a legacy Excel 97-2003 (.xls) workbook or other OLE2 file; save it as .xlsx or CSV",
        ));
    }
    if head.starts_with(b"%PDF") {
        return Err(not_a_list("a PDF document"));
    }
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) || head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(ReadError::UnknownEncoding {
            name: name.to_owned(),
            detail: "UTF-32 byte-order mark".to_owned(),
        });
    }
    if let Some(what) = markup(&head) {
        return Err(not_a_list(what));
    }
    let kind = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Encoding::Utf8
    } else if head.starts_with(&[0xFF, 0xFE]) {
        Encoding::Utf16Le
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Encoding::Utf16Be
    } else if let Some(utf16) = utf16_without_bom(&head) {
        utf16
    } else {
        if head.contains(&0) {
            return Err(not_a_list("binary data (NUL bytes)"));
        }
        let controls = head
            .iter()
            .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C | 0x1A))
            .count();
        if controls * 100 > head.len() {
            return Err(not_a_list("binary data (control characters)"));
        }
        src.seek(SeekFrom::Start(0)).map_err(io_err)?;
        match first_invalid_utf8_chunk(src).map_err(io_err)? {
            None => Encoding::Utf8,
            Some(chunk) => {
                check_windows_1256(&chunk).map_err(|detail| ReadError::UnknownEncoding {
                    name: name.to_owned(),
                    detail,
                })?;
                Encoding::Windows1256
            }
        }
    };
    src.seek(SeekFrom::Start(0)).map_err(io_err)?;
    Ok((Kind::Text(kind), head))
}

/// HTML or XML posing as a list (some systems save an HTML table as `.xls`).
fn markup(head: &[u8]) -> Option<&'static str> {
    let body = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[start] != b'<' {
        return None;
    }
    let lower = String::from_utf8_lossy(&body[start..body.len().min(start + 4096)]).to_lowercase();
    if lower.contains("urn:schemas-microsoft-com:office:spreadsheet") {
        Some("an Excel 2003 XML spreadsheet; save it as .xlsx or CSV")
    } else if lower.contains("<html") || lower.contains("<table") || lower.starts_with("<!doctype")
    {
        Some(
            "an HTML page (some systems save HTML tables as .xls); save it from Excel as .xlsx or CSV",
        )
    } else if lower.starts_with("<?xml") {
        Some("an XML document")
    } else {
        None
    }
}

/// UTF-16 without a byte-order mark: NUL bytes are at least 2% of the head and at least 95% of
/// them sit on one parity (the high byte of ASCII characters).
fn utf16_without_bom(head: &[u8]) -> Option<Encoding> {
    let (mut even, mut odd) = (0usize, 0usize);
    for (i, &b) in head.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even += 1;
            } else {
                odd += 1;
            }
        }
    }
    let nul = even + odd;
    if nul * 50 < head.len() || (!head.len().is_multiple_of(2) && head.len() < HEAD) {
        return None;
    }
    if odd * 100 >= nul * 95 {
        Some(Encoding::Utf16Le)
    } else if even * 100 >= nul * 95 {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Scans the source as UTF-8. `None` when it is valid (all of it, or 4 KiB of non-ASCII bytes
/// were valid); otherwise the chunk holding the first invalid sequence.
fn first_invalid_utf8_chunk<R: Read>(src: &mut R) -> io::Result<Option<Vec<u8>>> {
    let mut carry: Vec<u8> = Vec::new();
    let mut non_ascii = 0usize;
    let mut non_ascii_chars = 0usize;
    loop {
        let chunk = read_up_to(src, HEAD)?;
        if chunk.is_empty() {
            // A multi-byte sequence cut by the end of the file is invalid.
            return Ok((!carry.is_empty()).then_some(carry));
        }
        let mut buf = std::mem::take(&mut carry);
        buf.extend_from_slice(&chunk);
        if buf.is_ascii() {
            continue;
        }
        match std::str::from_utf8(&buf) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => carry = buf[e.valid_up_to()..].to_vec(),
            Err(e) => {
                // Enough valid multi-byte characters before the fault: a UTF-8 file with a
                // glitch (read with U+FFFD and reported per row), not another encoding.
                let before = utf8_chars_before(&buf[..e.valid_up_to()]);
                return Ok((non_ascii_chars + before < UTF8_EVIDENCE).then_some(buf));
            }
        }
        non_ascii_chars += utf8_chars_before(&buf[..buf.len() - carry.len()]);
        non_ascii += buf.iter().filter(|b| !b.is_ascii()).count();
        if non_ascii >= UTF8_SETTLED && carry.is_empty() {
            return Ok(None);
        }
    }
}

/// How many valid non-ASCII UTF-8 characters before an invalid sequence make the file UTF-8
/// with a glitch. Windows-1256 Arabic cannot produce them: two Arabic letters in a row
/// (0xC1–0xFE, 0xC1–0xFE) are already invalid UTF-8.
const UTF8_EVIDENCE: usize = 8;

/// Non-ASCII characters in valid UTF-8 bytes (lead bytes counted).
fn utf8_chars_before(valid: &[u8]) -> usize {
    valid.iter().filter(|&&b| b >= 0xC0).count()
}

fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Punctuation and marks Windows-1256 text plausibly holds.
fn is_common_mark(c: char) -> bool {
    matches!(
        c,
        '\u{a0}' | '\u{200c}'
            ..='\u{200f}'
                | '«'
                | '»'
                | '–'
                | '—'
                | '…'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '×'
                | '÷'
                | '•'
                | '°'
                | '·'
                | '€'
    )
}

/// `Ok` when the bytes read as Windows-1256 look like text a person typed.
pub(crate) fn check_windows_1256(bytes: &[u8]) -> Result<(), String> {
    let (text, _) = encoding_rs::WINDOWS_1256.decode_without_bom_handling(bytes);
    let (mut total, mut odd) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        total += 1;
        if !(is_arabic(c) || c.is_alphabetic() || is_common_mark(c)) {
            odd += 1;
        }
    }
    if total > 0 && odd * 5 > total {
        return Err(format!(
            "{odd} of {total} non-ASCII characters would be symbols, not letters"
        ));
    }
    let (mut words, mut mixed) = (0usize, 0usize);
    for word in text.split(|c: char| !(c.is_alphabetic() || is_arabic(c))) {
        if word.is_ascii() {
            continue;
        }
        words += 1;
        let arabic = word.chars().any(|c| is_arabic(c) && c.is_alphabetic());
        let latin = word.chars().any(|c| c.is_alphabetic() && !is_arabic(c));
        if arabic && latin {
            mixed += 1;
        }
    }
    if words > 0 && mixed * 10 > words {
        return Err(format!(
            "{mixed} of {words} words would mix Arabic and Latin letters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn kind(bytes: &[u8]) -> Result<Kind, ReadError> {
        detect("f", &mut Cursor::new(bytes.to_vec())).map(|(k, _)| k)
    }

    fn enc(text: &str, e: &'static encoding_rs::Encoding) -> Vec<u8> {
        let (b, _, bad) = e.encode(text);
        assert!(!bad);
        b.into_owned()
    }

    #[test]
    fn boms_and_magic() {
        assert_eq!(
            kind(b"\xEF\xBB\xBFid\n").unwrap(),
            Kind::Text(Encoding::Utf8)
        );
        assert_eq!(
            kind(b"\xFF\xFEi\0d\0").unwrap(),
            Kind::Text(Encoding::Utf16Le)
        );
        assert_eq!(
            kind(b"\xFE\xFF\0i\0d").unwrap(),
            Kind::Text(Encoding::Utf16Be)
        );
        assert_eq!(kind(b"PK\x03\x04rest").unwrap(), Kind::Xlsx);
        assert!(matches!(kind(b""), Err(ReadError::Empty { .. })));
        assert!(matches!(kind(b"%PDF-1.4"), Err(ReadError::NotAList { .. })));
        assert!(matches!(
            kind(&[0xD0, 0xCF, 0x11, 0xE0, 1, 2]),
            Err(ReadError::NotAList { .. })
        ));
        for markup in [
            &b"<html><table><tr><td>id</td></tr></table></html>"[..],
            b"\xEF\xBB\xBF  <?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">",
            b"<?xml version=\"1.0\"?><pfif:pfif/>",
        ] {
            assert!(matches!(kind(markup), Err(ReadError::NotAList { .. })));
        }
        assert_eq!(
            kind(b"<id>,name\n1,x\n").unwrap(),
            Kind::Text(Encoding::Utf8)
        );
        assert!(matches!(
            kind(b"\xFF\xFE\0\0i\0\0\0"),
            Err(ReadError::UnknownEncoding { .. })
        ));
    }

    #[test]
    fn utf16_without_bom_by_nul_parity() {
        let le: Vec<u8> = "id\tname\n1\tعمر\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "id\tname\n1\tعمر\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(kind(&le).unwrap(), Kind::Text(Encoding::Utf16Le));
        assert_eq!(kind(&be).unwrap(), Kind::Text(Encoding::Utf16Be));
    }

    #[test]
    fn binary_is_rejected() {
        let junk: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(matches!(kind(&junk), Err(ReadError::NotAList { .. })));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(matches!(kind(png), Err(ReadError::NotAList { .. })));
    }

    #[test]
    fn utf8_versus_windows_1256() {
        let text = "id;first_name;family_name\n1;محمد;الحلبي\n2;Chadi;Hélou\n";
        assert_eq!(kind(text.as_bytes()).unwrap(), Kind::Text(Encoding::Utf8));
        let cp = enc(text, encoding_rs::WINDOWS_1256);
        assert_eq!(kind(&cp).unwrap(), Kind::Text(Encoding::Windows1256));
        // French in Windows-1252 reads the same in Windows-1256.
        let fr = enc(
            "id,name\n1,Chadi Hélou\n2,Frédéric\n",
            encoding_rs::WINDOWS_1252,
        );
        assert_eq!(kind(&fr).unwrap(), Kind::Text(Encoding::Windows1256));
    }

    #[test]
    fn invalid_utf8_after_a_long_ascii_head_is_found() {
        let mut bytes = "id,name\n".to_owned();
        for i in 0..20_000 {
            bytes.push_str(&format!("{i},Omar\n"));
        }
        let mut bytes = bytes.into_bytes();
        bytes.extend(enc("99,عمر\n", encoding_rs::WINDOWS_1256));
        assert!(bytes.len() > HEAD);
        assert_eq!(kind(&bytes).unwrap(), Kind::Text(Encoding::Windows1256));
    }

    #[test]
    fn other_legacy_encodings_are_unknown() {
        let text = "الاسم,الكنية\nمحمد,الحلبي\nعمر,الشامي\nخالد,المصري\n";
        let iso = enc(text, encoding_rs::ISO_8859_6);
        assert!(matches!(kind(&iso), Err(ReadError::UnknownEncoding { .. })));
        let mac = enc("Name\nΑθανάσιος Παπαδόπουλος\n", encoding_rs::ISO_8859_7);
        assert!(matches!(kind(&mac), Err(ReadError::UnknownEncoding { .. })));
    }
}
