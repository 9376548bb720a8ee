//! The covariance of a fit's moments: correlations estimated from replicates (an HR
//! export's bootstrap, a point's trials), scaled by each moment's own standard
//! error, and repaired when rounding or missing values leave them not positive
//! semi-definite.
//!
//! Moments measured together share people (voluntary attrition overall, by level,
//! by tenure and by age count the same quits), so their errors are correlated, and
//! a sandwich variance that ignores it claims too much.

/// The Pearson correlation of every pair of moments over the replicates that
/// measure both (one row per replicate, one value per moment, `None` where it was
/// not measured). The diagonal is 1. A pair with fewer than three replicates in
/// common, or one that does not vary across them, correlates 0: nothing is known
/// of it, and 0 is what treating the moments as independent assumes.
pub fn correlation(rows: &[Vec<Option<f64>>], moments: usize) -> Vec<Vec<f64>> {
    let mut matrix = vec![vec![0.0; moments]; moments];
    for i in 0..moments {
        matrix[i][i] = 1.0;
        for j in 0..i {
            let pairs: Vec<(f64, f64)> = rows.iter().filter_map(|row| Some((row[i]?, row[j]?))).collect();
            let value = pearson(&pairs).unwrap_or(0.0);
            matrix[i][j] = value;
            matrix[j][i] = value;
        }
    }
    matrix
}

/// Two passes (the means, then the centred products), in row order, so the value
/// does not depend on anything but the rows.
fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs.iter().fold((0.0, 0.0), |(sx, sy), &(x, y)| (sx + x / n, sy + y / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    // A moment that does not move across the replicates (a share of 0 in every
    // resample) carries no correlation; the threshold is far below any real spread.
    let scale = mx.abs().max(my.abs()).max(1e-300);
    if sxx.sqrt() <= 1e-12 * scale * n.sqrt() || syy.sqrt() <= 1e-12 * scale * n.sqrt() {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// The correlation of `moments` independent moments: the identity.
pub fn independent(moments: usize) -> Vec<Vec<f64>> {
    (0..moments).map(|i| (0..moments).map(|j| f64::from(u8::from(i == j))).collect()).collect()
}

/// `D R D`: the covariance of moments with standard errors `sd` and correlation `R`,
/// whose diagonal is each standard error squared.
pub fn scaled(correlation: &[Vec<f64>], sd: &[f64]) -> Vec<Vec<f64>> {
    correlation
        .iter()
        .enumerate()
        .map(|(i, row)| row.iter().enumerate().map(|(j, r)| sd[i] * r * sd[j]).collect())
        .collect()
}

/// A covariance matrix made positive semi-definite, and by how much it was not.
#[derive(Debug, Clone, PartialEq)]
pub struct Repaired {
    /// The matrix, with the diagonal it was given.
    pub matrix: Vec<Vec<f64>>,
    /// The smallest eigenvalue of its correlation matrix before the repair (1 for
    /// an empty or diagonal matrix); below 0, the repair changed it.
    pub smallest: f64,
}

/// How far below 0 an eigenvalue of a correlation matrix may be from rounding alone.
pub const ROUNDING: f64 = 1e-10;

/// Makes a covariance positive semi-definite: its correlation matrix's negative
/// eigenvalues (from pairwise-complete correlations, or rounding) are set to 0 and
/// the result rescaled to a unit diagonal, so every variance is kept as it was and
/// only the correlations move, to the nearest ones in that sense that are
/// consistent. Moments with no variance keep none and correlate with nothing.
pub fn positive_semidefinite(matrix: &[Vec<f64>]) -> Repaired {
    let n = matrix.len();
    let sd: Vec<f64> = (0..n).map(|i| matrix[i][i].max(0.0).sqrt()).collect();
    let live: Vec<usize> = (0..n).filter(|&i| sd[i] > 0.0).collect();
    let correlation: Vec<Vec<f64>> = live
        .iter()
        .map(|&i| live.iter().map(|&j| if i == j { 1.0 } else { matrix[i][j] / (sd[i] * sd[j]) }).collect())
        .collect();
    let (values, vectors) = eigen(&correlation);
    let smallest = values.iter().copied().fold(1.0, f64::min);
    let mut result: Vec<Vec<f64>> =
        (0..n).map(|i| (0..n).map(|j| if i == j { sd[i] * sd[i] } else { 0.0 }).collect()).collect();
    let repaired = if smallest < -ROUNDING {
        let m = live.len();
        let mut rebuilt = vec![vec![0.0; m]; m];
        for (k, &value) in values.iter().enumerate() {
            let value = value.max(0.0);
            for a in 0..m {
                for b in 0..m {
                    rebuilt[a][b] += vectors[a][k] * value * vectors[b][k];
                }
            }
        }
        let diagonal: Vec<f64> = (0..m).map(|a| rebuilt[a][a].max(f64::MIN_POSITIVE).sqrt()).collect();
        (0..m)
            .map(|a| {
                (0..m)
                    .map(|b| if a == b { 1.0 } else { rebuilt[a][b] / (diagonal[a] * diagonal[b]) })
                    .collect()
            })
            .collect()
    } else {
        correlation
    };
    for (a, &i) in live.iter().enumerate() {
        for (b, &j) in live.iter().enumerate() {
            if i != j {
                result[i][j] = sd[i] * repaired[a][b] * sd[j];
            }
        }
    }
    Repaired { matrix: result, smallest }
}

/// `x' M⁺ x` for a symmetric positive semi-definite `M`, with the pseudo-inverse
/// over at most `rank` of its largest eigenvalues, each above `1e-9` of the
/// largest (smaller ones are rounding, or moments without variance), and how many
/// it kept. `(0, 0)` for a zero matrix.
pub fn pseudo_inverse_form(matrix: &[Vec<f64>], x: &[f64], rank: usize) -> (f64, usize) {
    let (values, vectors) = eigen(matrix);
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let largest = order.first().map_or(0.0, |&k| values[k]);
    let kept: Vec<usize> =
        order.into_iter().take(rank).filter(|&k| largest > 0.0 && values[k] > 1e-9 * largest).collect();
    let form = kept
        .iter()
        .map(|&k| {
            let projection: f64 = x.iter().enumerate().map(|(i, xi)| vectors[i][k] * xi).sum();
            projection * projection / values[k]
        })
        .sum();
    (form, kept.len())
}

/// The eigenvalues of a symmetric matrix and its eigenvectors (as columns), by
/// cyclic Jacobi rotations: exact to rounding for the few dozen moments a fit has,
/// and the same on every machine (no threads, a fixed sweep order).
fn eigen(matrix: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = matrix.len();
    let mut a = matrix.to_vec();
    let mut v: Vec<Vec<f64>> =
        (0..n).map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect()).collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let total: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum::<f64>() + off;
        if off <= 1e-30 * total.max(f64::MIN_POSITIVE) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (head, tail) = a.split_at_mut(q);
                for (apk, aqk) in head[p].iter_mut().zip(tail[0].iter_mut()) {
                    let (x, y) = (*apk, *aqk);
                    *apk = c * x - s * y;
                    *aqk = s * x + c * y;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlations_of_copies_opposites_and_unrelated_columns() {
        // x, 2x + 1 (correlation 1), −x (−1), and a column orthogonal to x (0).
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let orthogonal = [1.0, -1.0, -1.0, -1.0, -1.0, 1.0];
        let rows: Vec<Vec<Option<f64>>> = (0..6)
            .map(|i| vec![Some(xs[i]), Some(2.0 * xs[i] + 1.0), Some(-xs[i]), Some(orthogonal[i]), None])
            .collect();
        let r = correlation(&rows, 5);
        assert!((r[0][1] - 1.0).abs() < 1e-12 && (r[0][2] + 1.0).abs() < 1e-12, "{r:?}");
        assert!(r[0][3].abs() < 1e-12, "{r:?}");
        // Never measured: no correlation, but its own.
        assert_eq!((r[4][0], r[4][4]), (0.0, 1.0));
        assert_eq!(r[1][0], r[0][1], "symmetric");
    }

    #[test]
    fn a_quadratic_form_in_the_pseudo_inverse() {
        // diag(4, 1, 0): the third direction has no variance and is left out.
        let m = [vec![4.0, 0.0, 0.0], vec![0.0, 1.0, 0.0], vec![0.0, 0.0, 0.0]];
        let (form, kept) = pseudo_inverse_form(&m, &[2.0, 3.0, 5.0], 3);
        assert_eq!(kept, 2);
        assert!((form - (4.0 / 4.0 + 9.0)).abs() < 1e-12, "{form}");
        // A rank cap keeps the largest eigenvalue only.
        let (form, kept) = pseudo_inverse_form(&m, &[2.0, 3.0, 5.0], 1);
        assert_eq!((kept, form), (1, 1.0));
        // A full matrix: x' M⁻¹ x with M = [[2, 1], [1, 2]], M⁻¹ = [[2, −1], [−1, 2]] / 3.
        let (form, kept) = pseudo_inverse_form(&[vec![2.0, 1.0], vec![1.0, 2.0]], &[1.0, 1.0], 2);
        assert_eq!(kept, 2);
        assert!((form - 2.0 / 3.0).abs() < 1e-12, "{form}");
    }

    #[test]
    fn the_eigenvalues_of_a_known_matrix() {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let (mut values, _) = eigen(&[vec![2.0, 1.0], vec![1.0, 2.0]]);
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 1.0).abs() < 1e-12 && (values[1] - 3.0).abs() < 1e-12, "{values:?}");
    }

    #[test]
    fn a_covariance_that_is_not_positive_semidefinite_is_repaired_keeping_its_variances() {
        // Correlations 0.9, 0.9 and −0.9 cannot hold together (eigenvalue −0.8).
        let bad = [vec![4.0, 1.8, -1.8], vec![1.8, 1.0, 0.9], vec![-1.8, 0.9, 1.0]];
        let repaired = positive_semidefinite(&bad);
        assert!(repaired.smallest < -0.5, "{repaired:?}");
        for (i, row) in repaired.matrix.iter().enumerate() {
            assert_eq!(row[i], bad[i][i], "the variances are kept");
        }
        let sd: Vec<f64> = (0..3).map(|i| bad[i][i].sqrt()).collect();
        let scaled: Vec<Vec<f64>> =
            (0..3).map(|i| (0..3).map(|j| repaired.matrix[i][j] / (sd[i] * sd[j])).collect()).collect();
        let (values, _) = eigen(&scaled);
        assert!(values.iter().all(|&v| v > -1e-9), "{values:?}");
        // A consistent one is left as it is, and a moment without variance alone.
        let good = [vec![4.0, 1.0, 0.0], vec![1.0, 1.0, 0.0], vec![0.0, 0.0, 0.0]];
        let kept = positive_semidefinite(&good);
        assert!(kept.smallest > 0.0);
        for (row, expected) in kept.matrix.iter().zip(&good) {
            for (value, expected) in row.iter().zip(expected) {
                assert!((value - expected).abs() < 1e-15, "{kept:?}");
            }
        }
    }
}
