//! What the stat boxes show, from the live store or from an upload.

use crate::components::stat_boxes::StatView;
use crate::store::State;
use crate::upload_view::UploadView;

/// The live pair's numbers.
pub fn live(s: &State) -> StatView {
    let leg = |i: usize| s.legs[i].candles.last().map(|c| (c.close, c.volume));
    let name = |i: usize| {
        s.legs[i]
            .symbol
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    let l = s.latest.as_ref();
    StatView {
        y_sym: name(0),
        x_sym: name(1),
        y_price: leg(0).map(|v| v.0),
        y_volume: leg(0).map(|v| v.1),
        x_price: leg(1).map(|v| v.0),
        x_volume: leg(1).map(|v| v.1),
        spread: l.and_then(|l| l.spread),
        z: l.and_then(|l| l.z),
        hedge: l.and_then(|l| l.hedge).map(|h| h.beta),
        corr: l.and_then(|l| l.corr),
        adf_p: l.and_then(|l| l.adf).map(|a| a.pvalue),
        adf_stat: l.and_then(|l| l.adf).map(|a| a.stat),
        half_life: l.and_then(|l| l.half_life),
        k: s.params.z_threshold,
        model: s.params.model,
        stale: l.filter(|l| l.stale).map(|l| {
            l.stale_reason
                .clone()
                .unwrap_or_else(|| "a leg is silent".into())
        }),
        n: l.map_or(0, |l| l.n),
    }
}

/// An uploaded file's numbers, at its last row.
pub fn upload(v: &UploadView, k: f64) -> StatView {
    let r = &v.report;
    let last = v.points.last();
    let reg = r.regression;
    let hedge = v.model.pick(
        Some(reg.ols.beta),
        Some(reg.huber.beta),
        reg.theil_sen.map(|h| h.beta),
        r.kalman.beta.last().copied(),
    );
    StatView {
        y_sym: v.pair.y.to_string(),
        x_sym: v.pair.x.to_string(),
        y_price: last.map(|p| p.y),
        y_volume: None,
        x_price: last.map(|p| p.x),
        x_volume: None,
        spread: last.and_then(|p| p.spread),
        z: last.and_then(|p| p.z),
        hedge,
        corr: last.and_then(|p| p.corr),
        adf_p: r.adf.map(|a| a.pvalue),
        adf_stat: r.adf.map(|a| a.stat),
        half_life: r.half_life,
        k,
        model: v.model,
        stale: None,
        n: r.n as u64,
    }
}
