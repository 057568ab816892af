//! Excel workbooks (`.xlsx`, `.xls`, `.xlsb`, `.ods`), read with calamine: the first sheet, or
//! the one `--sheet` names, becomes rows of text for the CSV reader, which finds the columns
//! by the same header names. Date cells become `YYYY-MM-DD HH:MM:SS`, rounded to the second;
//! whole numbers lose Excel's `.0` (a role column of 0 and 1 stays `0` and `1`).

use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::qa::problem::Problem;
use crate::session::clock::format_unix;

/// The rows of a sheet: each row's 1-based number in the sheet, and its cells as text.
pub(super) type Rows = Vec<(u64, Vec<String>)>;

/// Whether `head` starts like a workbook: a zip archive (xlsx, xlsb, ods) or an OLE compound
/// file (xls).
pub(super) fn looks_like_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads the sheet `sheet` (or the first) of the workbook in `bytes`; returns its name, the
/// number of sheets and its rows, or the problem that stopped it.
pub(super) fn read_sheet(
    bytes: Vec<u8>,
    sheet: Option<&str>,
) -> Result<(String, usize, Rows), Problem> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| Problem::Workbook(e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(want) => names
            .iter()
            .find(|n| n.as_str() == want || n.trim() == want.trim())
            .cloned()
            .ok_or_else(|| Problem::NoSuchSheet {
                sheet: super::show(want),
                found: names.join(", "),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Problem::Workbook("no sheet".into()))?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| Problem::Workbook(e.to_string()))?;
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut row = vec![String::new(); first_col];
            row.extend(cells.iter().map(cell_text));
            (first_row + i as u64 + 1, row)
        })
        .collect();
    Ok((name, names.len(), rows))
}

/// A cell as the text a CSV export of it would hold.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            let civil = super::time::civil_seconds(
                i64::from(y),
                i64::from(mo),
                i64::from(d),
                i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s),
            );
            // Excel keeps times as fractions of a day: 10:00:05 may come back as 10:00:04.999.
            let secs = civil + i64::from(ms >= 500);
            format_unix(secs)
        }
        Data::DateTime(dt) => number(dt.as_f64()),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A number as a person writes it: whole numbers without a fraction.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(-3.0), "-3");
    }

    #[test]
    fn workbooks_are_told_by_their_first_bytes() {
        assert!(looks_like_workbook(b"PK\x03\x04rest"));
        assert!(looks_like_workbook(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]));
        assert!(!looks_like_workbook(b"conversation,ts"));
    }

    #[test]
    fn a_broken_workbook_is_a_problem_not_a_panic() {
        let e = read_sheet(b"PK\x03\x04garbage".to_vec(), None).expect_err("not a workbook");
        assert!(matches!(e, Problem::Workbook(_)), "{e:?}");
    }
}
