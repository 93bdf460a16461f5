//! The live pair actor, fed by a replay of the golden feed, ends with the
//! same aligned-1s statistics as `analyze` on the exported bars; and its
//! parameters change at run time.

use spreadwatch_engine::analyze::{analyze, read_long, Aligned, AnalyzeOptions};
use spreadwatch_engine::sources::SourceSpec;
use spreadwatch_engine::{Engine, EngineConfig};
use spreadwatch_proto::{Model, PairId, PairParams};

use crate::analyze::close;
use crate::support::data;

fn pair() -> PairId {
    "ETHUSDT/BTCUSDT".parse().unwrap()
}

fn reference(model: Model, window: usize) -> spreadwatch_proto::AnalyzeReport {
    let bars = std::fs::read(data("golden/aggtrade/bars_1s.csv")).unwrap();
    let (y, x) = read_long("bars_1s.csv", &bars, "ETHUSDT", "BTCUSDT").unwrap();
    let opts = AnalyzeOptions {
        window,
        model,
        ..AnalyzeOptions::default()
    };
    analyze(Aligned::join(&y, &x), &opts, "bars_1s.csv").unwrap()
}

#[test]
fn live_pair_ends_with_the_analyze_statistics() {
    actix_rt::System::new().block_on(async {
        let params = PairParams {
            lookback: 100_000,
            window: 60,
            ..PairParams::default()
        };
        let cfg = EngineConfig {
            source: SourceSpec::Replay(data("golden/feed_aggtrade.jsonl")),
            pairs: vec![pair()],
            pair_params: params,
            ..EngineConfig::default()
        };
        let engine = Engine::start(cfg).unwrap();
        let h = engine.handle();
        h.source_finished().await;
        h.flush().await;
        h.recompute(&pair()).await.unwrap();
        let snap = h.pair_snapshot(&pair()).await.unwrap();
        let s = snap.latest.expect("the pair has committed points");
        let r = reference(Model::Ols, 60);
        assert_eq!(
            s.n as usize, r.n,
            "every aligned 1 s bar was committed once"
        );
        let ols = s.ols.unwrap();
        assert!(
            close(ols.beta, r.regression.ols.beta, 1e-9, 0.0),
            "ols beta {} vs {}",
            ols.beta,
            r.regression.ols.beta
        );
        assert!(close(ols.alpha, r.regression.ols.alpha, 1e-9, 0.0));
        assert!(close(s.r2.unwrap(), r.regression.ols.r2, 1e-9, 0.0));
        let k = s.kalman.unwrap();
        assert!(close(k.beta, *r.kalman.beta.last().unwrap(), 1e-9, 0.0));
        assert!(close(k.alpha, *r.kalman.alpha.last().unwrap(), 1e-9, 0.0));
        assert!(
            close(s.z.unwrap(), r.zscore.last().unwrap().unwrap(), 1e-9, 0.0),
            "z {:?} vs {:?}",
            s.z,
            r.zscore.last()
        );
        assert!(close(
            s.corr.unwrap(),
            r.corr.last().unwrap().unwrap(),
            1e-9,
            0.0
        ));
        let hu = s.huber.unwrap();
        assert!(close(hu.beta, r.regression.huber.beta, 1e-7, 0.0));
        assert_eq!(s.theil_sen.unwrap().beta, r.regression.theil_sen.beta);
        let (adf, radf) = (s.adf.unwrap(), r.adf.unwrap());
        assert!(close(adf.stat, radf.stat, 1e-8, 0.0));
        assert_eq!(adf.used_lag, radf.used_lag);
        let (c, rc) = (s.coint.unwrap(), r.coint.unwrap());
        assert!(close(c.stat, rc.stat, 1e-6, 0.0) && close(c.pvalue, rc.pvalue, 1e-6, 1e-15));
        assert!(close(s.half_life.unwrap(), r.half_life.unwrap(), 1e-7, 0.0));
        assert_eq!(snap.points.len(), r.n);
        assert!(!s.provisional);

        // A run-time change of model and window rebuilds from the bars the
        // symbol actors hold and matches analyze with the same settings.
        let p2 = PairParams {
            model: Model::Kalman,
            window: 30,
            ..params
        };
        h.set_params(&pair(), p2).await.unwrap();
        h.recompute(&pair()).await.unwrap();
        let s2 = h.pair_snapshot(&pair()).await.unwrap();
        assert_eq!(s2.params, p2);
        let r2 = reference(Model::Kalman, 30);
        let l2 = s2.latest.unwrap();
        assert_eq!(l2.model, Model::Kalman);
        assert!(
            close(l2.z.unwrap(), r2.zscore.last().unwrap().unwrap(), 1e-8, 0.0),
            "{:?} vs {:?}",
            l2.z,
            r2.zscore.last()
        );
        assert!(close(
            l2.hedge.unwrap().beta,
            *r2.kalman.beta.last().unwrap(),
            1e-9,
            0.0
        ));
        // Bad parameters are refused with the field named.
        let bad = PairParams {
            window: 1,
            ..params
        };
        let e = h.set_params(&pair(), bad).await.unwrap_err().to_string();
        assert!(e.contains("window"), "{e}");
        engine.shutdown().await;
    });
}
