//! Excel workbooks (`.xlsx`, `.xls`, `.xlsb`, `.ods`), read with calamine: the first sheet, or
//! the one `--sheet` names, becomes rows of text for the CSV reader, which finds the columns
//! by the same header names. Date cells become `YYYY-MM-DD HH:MM:SS`, rounded to the second;
//! whole numbers lose Excel's `.0` (a role column of 0 and 1 stays `0` and `1`).
//!
//! An `.xlsx` sheet is streamed: a thread reads its cells in order and hands the rows over a
//! bounded channel, so memory holds the workbook's shared strings but not the sheet. Other
//! workbook kinds are read whole by calamine and turned into text a row at a time.

use std::io::Cursor;
use std::sync::mpsc::{Receiver, sync_channel};

use calamine::{Data, Range, Reader, Xlsx, open_workbook_auto_from_rs, open_workbook_from_rs};

use crate::qa::problem::Problem;
use crate::session::clock::format_unix;

/// Rows handed over from the streaming thread at most this far ahead of the reader.
const ROWS_AHEAD: usize = 1024;

/// A row of a sheet: its 1-based number in the sheet, and its cells as text.
pub(super) type Row = (u64, Vec<String>);

/// The rows of a sheet, in order; a problem met partway is the last item.
pub(super) enum Rows {
    /// Streamed from an `.xlsx` by a thread.
    Streamed(Receiver<Result<Row, Problem>>),
    /// A sheet read whole (xls, xlsb, ods), turned into text a row at a time.
    Whole {
        range: Range<Data>,
        /// The sheet's row and column of the range's first cell, from 0.
        first_row: u64,
        first_col: usize,
        next: usize,
    },
}

impl Iterator for Rows {
    type Item = Result<Row, Problem>;

    fn next(&mut self) -> Option<Result<Row, Problem>> {
        match self {
            Rows::Streamed(rx) => rx.recv().ok(),
            Rows::Whole {
                range,
                first_row,
                first_col,
                next,
            } => {
                let i = *next;
                if i >= range.height() {
                    return None;
                }
                *next += 1;
                let mut row = vec![String::new(); *first_col];
                row.extend(
                    (0..range.width())
                        .map(|c| range.get((i, c)).map_or_else(String::new, cell_text)),
                );
                Some(Ok((*first_row + i as u64 + 1, row)))
            }
        }
    }
}

/// Whether `head` starts like a workbook: a zip archive (xlsx, xlsb, ods) or an OLE compound
/// file (xls).
pub(super) fn looks_like_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The sheet to read: the one named `want` (trimmed names match too), or the first.
fn pick_sheet(names: &[String], want: Option<&str>) -> Result<String, Problem> {
    match want {
        Some(want) => names
            .iter()
            .find(|n| n.as_str() == want || n.trim() == want.trim())
            .cloned()
            .ok_or_else(|| Problem::NoSuchSheet {
                sheet: super::show(want),
                found: names.join(", "),
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Problem::Workbook("no sheet".into())),
    }
}

/// Opens the sheet `sheet` (or the first) of the workbook in `bytes`; returns its name, the
/// number of sheets and its rows, or the problem that stopped it.
pub(super) fn read_sheet(
    bytes: Vec<u8>,
    sheet: Option<&str>,
) -> Result<(String, usize, Rows), Problem> {
    if bytes.starts_with(b"PK\x03\x04") {
        if let Ok(book) = open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes.clone())) {
            return stream_xlsx(book, sheet);
        }
    }
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| Problem::Workbook(e.to_string()))?;
    let names = book.sheet_names();
    let name = pick_sheet(&names, sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| Problem::Workbook(e.to_string()))?;
    let rows = Rows::Whole {
        first_row: range.start().map_or(0, |(row, _)| u64::from(row)),
        first_col: range.start().map_or(0, |(_, col)| col as usize),
        range,
        next: 0,
    };
    Ok((name, names.len(), rows))
}

/// Streams the chosen sheet of an `.xlsx` from a thread, a row at a time.
fn stream_xlsx(
    mut book: Xlsx<Cursor<Vec<u8>>>,
    sheet: Option<&str>,
) -> Result<(String, usize, Rows), Problem> {
    let names = book.sheet_names();
    let name = pick_sheet(&names, sheet)?;
    let (tx, rx) = sync_channel(ROWS_AHEAD);
    let sheet_name = name.clone();
    std::thread::spawn(move || {
        let mut cells = match book.worksheet_cells_reader(&sheet_name) {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Err(Problem::Workbook(e.to_string())));
                return;
            }
        };
        let mut current: Option<(u32, Vec<String>)> = None;
        loop {
            let cell = match cells.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.send(Err(Problem::Workbook(e.to_string())));
                    return;
                }
            };
            let (row, col) = cell.get_position();
            if current.as_ref().is_some_and(|(r, _)| *r != row) {
                if let Some((r, texts)) = current.take() {
                    if tx.send(Ok((u64::from(r) + 1, texts))).is_err() {
                        return; // the reader is gone
                    }
                }
            }
            let texts = &mut current.get_or_insert_with(|| (row, Vec::new())).1;
            let col = col as usize;
            if texts.len() <= col {
                texts.resize(col + 1, String::new());
            }
            texts[col] = cell_text(&Data::from(cell.get_value().clone()));
        }
        if let Some((r, texts)) = current {
            let _ = tx.send(Ok((u64::from(r) + 1, texts)));
        }
    });
    Ok((name, names.len(), Rows::Streamed(rx)))
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
        let e = read_sheet(b"PK\x03\x04garbage".to_vec(), None)
            .err()
            .expect("not a workbook");
        assert!(matches!(e, Problem::Workbook(_)), "{e:?}");
    }
}
