//! Figures that do not add up over days (unique callers, the median time to return a missed
//! call), kept as bounded sketches whose cells are counts, so they move exactly like the rollup
//! counters: added and subtracted by each fact's contribution in the fact's own commit, and
//! merged over any period by summing cells.
//!
//! - **Unique callers**: a HyperLogLog of the callers' numbers, 1024 registers. A cell counts the
//!   calls whose number hashes to (register, rank); a register's value is the highest rank whose
//!   cell is above zero. Counting calls rather than setting bits is what lets a call leave a
//!   group (a missed call returned by a manager moves to that manager's row) without a rebuild.
//!   Standard error about 3.3% for large counts; below ~2,500 callers the linear-counting branch
//!   gives about 2-2.6% (small groups come out exact or off by one).
//! - **Time to return**: a histogram of returned missed calls by whole minutes from the missed
//!   call's end to the call that returned it (bounded by the callback SLA). The median is read
//!   from it to the minute.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::{Cell, Cells, PhoneNumber};

/// log2 of the number of HyperLogLog registers.
const PRECISION: u32 = 10;
/// HyperLogLog registers.
pub const REGISTERS: usize = 1 << PRECISION;
/// The highest rank a 64-bit hash gives after the register bits.
const MAX_RANK: u8 = (64 - PRECISION + 1) as u8;

/// The cell a caller's number falls in. The hash is SHA-256 of the E.164 number: stable across
/// versions, machines and stores, so a recount from raw calls gives the same cells.
pub fn caller_cell(caller: &PhoneNumber) -> Cell {
    let digest = Sha256::digest(caller.as_str().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let h = u64::from_be_bytes(first);
    let register = (h >> (64 - PRECISION)) as u16;
    let rest = h << PRECISION;
    let rank = (rest.leading_zeros() + 1).min(u32::from(MAX_RANK)) as u8;
    Cell::Caller { register, rank }
}

/// The cell of a missed call returned `seconds` after it ended.
pub fn return_cell(seconds: i64) -> Cell {
    let minutes = (seconds.max(0) / 60).min(i64::from(u16::MAX));
    Cell::Return {
        minutes: minutes as u16,
    }
}

/// Callers the cells hold, estimated (HyperLogLog with linear counting for small sets), and
/// never more than the calls the cells count. `None` when they hold no caller.
pub fn unique_callers(cells: &Cells) -> Option<i64> {
    let mut registers = [0u8; REGISTERS];
    let mut calls = 0i64;
    for (cell, n) in cells.iter() {
        if let Cell::Caller { register, rank } = cell {
            if n > 0 {
                calls += n;
                let r = &mut registers[usize::from(register)];
                *r = (*r).max(rank);
            }
        }
    }
    if calls == 0 {
        return None;
    }
    let m = REGISTERS as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = registers.iter().map(|r| 2f64.powi(-i32::from(*r))).sum();
    let zeros = registers.iter().filter(|r| **r == 0).count();
    let raw = alpha * m * m / sum;
    let estimate = if raw <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        raw
    };
    Some((estimate.round() as i64).clamp(1, calls))
}

/// The median minutes from a missed call's end to its return: the middle call (the mean of the
/// two middle ones for an even count), each taken at the middle of its minute, so within half a
/// minute of the exact median. `None` when the cells hold no returned call.
pub fn median_return_minutes(cells: &Cells) -> Option<f64> {
    let mut by_minute: BTreeMap<u16, i64> = BTreeMap::new();
    for (cell, n) in cells.iter() {
        if let Cell::Return { minutes } = cell {
            if n > 0 {
                *by_minute.entry(minutes).or_default() += n;
            }
        }
    }
    let total: i64 = by_minute.values().sum();
    if total == 0 {
        return None;
    }
    // The minute of the k-th returned call (0-based) in order of waiting time.
    let nth = |k: i64| {
        let mut seen = 0;
        for (minute, n) in &by_minute {
            seen += n;
            if k < seen {
                return f64::from(*minute) + 0.5;
            }
        }
        0.0
    };
    let median = if total % 2 == 1 {
        nth(total / 2)
    } else {
        (nth(total / 2 - 1) + nth(total / 2)) / 2.0
    };
    Some((median * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(i: u64) -> PhoneNumber {
        PhoneNumber::parse(&format!("+1415{:07}", 2_000_000 + i), None).unwrap()
    }

    fn callers(n: u64, calls_each: i64) -> Cells {
        let mut c = Cells::default();
        for i in 0..n {
            c.add(caller_cell(&caller(i)), calls_each);
        }
        c
    }

    #[test]
    fn small_sets_are_counted_nearly_exactly_and_repeat_calls_count_once() {
        for n in [1u64, 2, 5, 20] {
            let est = unique_callers(&callers(n, 3)).unwrap();
            assert!((est - n as i64).abs() <= 1, "{n}: {est}");
        }
        for n in [100u64, 500, 2_000] {
            let est = unique_callers(&callers(n, 2)).unwrap() as f64;
            assert!((est - n as f64).abs() / n as f64 <= 0.08, "{n}: {est}");
        }
        assert_eq!(unique_callers(&Cells::default()), None);
    }

    #[test]
    fn large_sets_are_within_a_few_standard_errors() {
        for n in [1_000u64, 20_000] {
            let est = unique_callers(&callers(n, 1)).unwrap() as f64;
            let err = (est - n as f64).abs() / n as f64;
            assert!(err < 3.0 * 1.04 / (REGISTERS as f64).sqrt(), "{n}: {est}");
        }
    }

    #[test]
    fn a_call_that_leaves_takes_its_caller_out_and_sketches_merge_by_adding_cells() {
        let mut week = callers(50, 1);
        let mut other = Cells::default();
        for i in 40..60 {
            other.add(caller_cell(&caller(i)), 1);
        }
        week.merge(&other);
        let est = unique_callers(&week).unwrap();
        assert!((est - 60).abs() <= 2, "{est}");
        for i in 40..60 {
            week.add(caller_cell(&caller(i)), -1);
        }
        let back = unique_callers(&week).unwrap();
        assert_eq!(back, unique_callers(&callers(50, 1)).unwrap());
    }

    #[test]
    fn the_median_return_is_read_to_the_minute() {
        let mut c = Cells::default();
        for secs in [60, 130, 200, 610, 3000] {
            c.add(return_cell(secs), 1);
        }
        // 1, 2, 3, 10 and 50 minutes: the third of five is in minute 3.
        assert_eq!(median_return_minutes(&c), Some(3.5));
        // An even count: the mean of the two middle calls.
        c.add(return_cell(3600), 1);
        assert_eq!(median_return_minutes(&c), Some(7.0));
        assert_eq!(median_return_minutes(&Cells::default()), None);
        assert_eq!(return_cell(-5), Cell::Return { minutes: 0 });
    }
}
