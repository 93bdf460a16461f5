//! [`Grid`]: a scan's window of bar times with each symbol's closes on it,
//! and the correlation screen over it.
//!
//! A pair's sample is the inner join of its two symbols' bars in the window;
//! its returns are the log changes between consecutive joined closes. The
//! symbols with every bar of the window share one join, so their
//! correlations come from one matrix product of standardised returns; any
//! pair with a gap or a late listing is joined on its own.

use nalgebra::DMatrix;
use spreadwatch_proto::Symbol;

use super::window_stats::corr;

/// The window's times and each symbol's closes on them.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Symbols with at least one bar in the window, in input order.
    names: Vec<Symbol>,
    /// `closes[s][t]`: symbol `s`'s close at the window's `t`-th time,
    /// NaN where it has no bar.
    closes: Vec<Vec<f64>>,
    /// Their natural logs, taken once (a non-positive close is NaN).
    logs: Vec<Vec<f64>>,
    /// Times in the window.
    len: usize,
}

/// A screened pair: indices into the grid's symbols (`a < b`), the
/// correlation of their returns (NaN when undefined) and the bars joined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Screened {
    /// The first symbol.
    pub a: usize,
    /// The second symbol.
    pub b: usize,
    /// Pearson correlation of the joined log returns.
    pub corr: f64,
    /// Bars both have in the window.
    pub n: usize,
}

impl Grid {
    /// The newest `lookback` times of the union of `series`' bar times, and
    /// every symbol's closes on them.
    pub fn new(series: &[(Symbol, Vec<(i64, f64)>)], lookback: usize) -> Grid {
        let mut times: Vec<i64> = series
            .iter()
            .flat_map(|(_, v)| v.iter().map(|(t, _)| *t))
            .collect();
        times.sort_unstable();
        times.dedup();
        let times = &times[times.len().saturating_sub(lookback)..];
        let (mut names, mut closes) = (Vec::new(), Vec::new());
        for (sym, bars) in series {
            let mut row = vec![f64::NAN; times.len()];
            let mut any = false;
            for (t, c) in bars {
                if let Ok(i) = times.binary_search(t) {
                    row[i] = *c;
                    any = true;
                }
            }
            if any {
                names.push(sym.clone());
                closes.push(row);
            }
        }
        let logs = closes
            .iter()
            .map(|row| row.iter().map(|c| c.ln()).collect())
            .collect();
        Grid {
            names,
            closes,
            logs,
            len: times.len(),
        }
    }

    /// Times in the window.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the window has no times.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Symbols with bars in the window.
    pub fn symbols(&self) -> usize {
        self.names.len()
    }

    /// The `i`-th symbol.
    pub fn symbol(&self, i: usize) -> &Symbol {
        &self.names[i]
    }

    /// The closes of `a` and `b` at the times both have a bar.
    pub fn joined(&self, a: usize, b: usize) -> (Vec<f64>, Vec<f64>) {
        self.join(&self.closes, a, b)
    }

    /// `values` (closes or their logs) of `a` and `b` at the times both
    /// have a bar.
    fn join(&self, values: &[Vec<f64>], a: usize, b: usize) -> (Vec<f64>, Vec<f64>) {
        let both = self.closes[a]
            .iter()
            .zip(&self.closes[b])
            .map(|(x, y)| !x.is_nan() && !y.is_nan());
        both.zip(values[a].iter().zip(&values[b]))
            .filter(|(keep, _)| *keep)
            .map(|(_, (x, y))| (*x, *y))
            .unzip()
    }

    /// Every pair with at least `min_common` bars in common and the
    /// correlation of its joined log returns.
    pub fn screen(&self, min_common: usize) -> Vec<Screened> {
        let full: Vec<usize> = (0..self.symbols())
            .filter(|&s| self.closes[s].iter().all(|c| !c.is_nan()))
            .collect();
        let matrix = (self.len >= min_common).then(|| self.full_corr(&full));
        let mut slot = vec![None; self.symbols()];
        for (k, &s) in full.iter().enumerate() {
            slot[s] = Some(k);
        }
        let mut out = Vec::new();
        for a in 0..self.symbols() {
            for b in a + 1..self.symbols() {
                let shared = matrix.as_ref().zip(slot[a].zip(slot[b]));
                let screened = match shared {
                    Some((m, (i, j))) => Some(Screened {
                        a,
                        b,
                        corr: m[(i, j)],
                        n: self.len,
                    }),
                    None => self.pairwise(a, b, min_common),
                };
                out.extend(screened);
            }
        }
        out
    }

    /// The correlations of the symbols in `full` (every bar present), from
    /// one product of their standardised log returns.
    fn full_corr(&self, full: &[usize]) -> DMatrix<f64> {
        let rows = self.len.saturating_sub(1);
        let mut z = DMatrix::from_fn(rows, full.len(), |t, k| {
            let l = &self.logs[full[k]];
            l[t + 1] - l[t]
        });
        for mut col in z.column_iter_mut() {
            let mean = col.iter().sum::<f64>() / rows as f64;
            col.iter_mut().for_each(|v| *v -= mean);
            let norm = col.norm();
            col.iter_mut().for_each(|v| *v /= norm);
        }
        z.tr_mul(&z).map(|r| {
            if r.is_finite() {
                r.clamp(-1.0, 1.0)
            } else {
                f64::NAN
            }
        })
    }

    /// One pair joined on its own; `None` below `min_common` bars.
    fn pairwise(&self, a: usize, b: usize, min_common: usize) -> Option<Screened> {
        let (x, y) = self.join(&self.logs, a, b);
        if x.len() < min_common {
            return None;
        }
        let returns = x
            .windows(2)
            .zip(y.windows(2))
            .map(|(x, y)| (x[1] - x[0], y[1] - y[0]));
        let r = corr(returns).map_or(f64::NAN, |r| r.clamp(-1.0, 1.0));
        Some(Screened {
            a,
            b,
            corr: r,
            n: x.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, closes: &[(i64, f64)]) -> (Symbol, Vec<(i64, f64)>) {
        (name.parse().unwrap(), closes.to_vec())
    }

    fn wiggle(n: i64, k: i64) -> Vec<(i64, f64)> {
        (0..n)
            .map(|i| (i, 100.0 + ((i * k * 7919) % 17) as f64 + i as f64 * 0.1))
            .collect()
    }

    #[test]
    fn the_window_is_the_newest_times_of_the_union() {
        let a = wiggle(10, 1);
        let g = Grid::new(&[series("AAAUSDT", &a), series("BBBUSDT", &[(20, 1.0)])], 5);
        // The union's newest five times are 6, 7, 8, 9 and 20.
        assert_eq!(g.len(), 5);
        let closes: Vec<f64> = a[6..].iter().map(|(_, c)| *c).collect();
        assert_eq!(g.joined(0, 0).0, closes);
        assert!(g.joined(0, 1).0.is_empty());
        assert_eq!(g.symbols(), 2);
    }

    #[test]
    fn the_matrix_product_equals_the_pairwise_join() {
        let s = [
            series("AAAUSDT", &wiggle(300, 1)),
            series("BBBUSDT", &wiggle(300, 3)),
            series("CCCUSDT", &wiggle(300, 5)),
        ];
        let g = Grid::new(&s, 300);
        let by_matrix = g.screen(150);
        assert_eq!(by_matrix.len(), 3);
        for p in by_matrix {
            let alone = g.pairwise(p.a, p.b, 150).unwrap();
            assert!((p.corr - alone.corr).abs() < 1e-12, "{p:?} {alone:?}");
            assert_eq!(p.n, alone.n);
        }
    }

    #[test]
    fn a_gap_joins_the_pair_on_its_own_bars() {
        let mut gappy = wiggle(300, 3);
        gappy.retain(|(t, _)| t % 10 != 0);
        let g = Grid::new(
            &[
                series("AAAUSDT", &wiggle(300, 1)),
                series("BBBUSDT", &gappy),
            ],
            300,
        );
        let s = g.screen(150);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].n, 270);
        assert!(g.screen(271).is_empty());
    }
}
