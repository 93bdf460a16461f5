//! An existing actix-web app with its own routes mounts spreadwatch's REST
//! and WebSocket endpoints under `/sw`.
//!
//! `cargo run -p spreadwatch-engine --example mount_in_actix` (serves a few
//! requests to itself and exits; pass `--serve` to keep serving on :8090).

use actix_web::{web, App, HttpResponse, HttpServer};
use spreadwatch_engine::server::{configure, Hub, ServerConfig};
use spreadwatch_engine::Engine;

async fn hello() -> HttpResponse {
    HttpResponse::Ok().body("my own service")
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keep = std::env::args().any(|a| a == "--serve");
    let engine = Engine::builder()
        .sim()
        .pair("ETHUSDT/BTCUSDT".parse()?)
        .start()?;
    let hub = Hub::start(&engine, 8192, std::time::Duration::from_secs(600));
    let cfg = ServerConfig {
        ui_dir: None,
        ..ServerConfig::default()
    };
    let (e, h) = (engine.clone(), hub.clone());
    let server = HttpServer::new(move || {
        App::new()
            .route("/hello", web::get().to(hello))
            .service(web::scope("/sw").configure(configure(e.clone(), h.clone(), cfg.clone())))
    })
    .workers(1)
    .bind(if keep {
        "127.0.0.1:8090"
    } else {
        "127.0.0.1:0"
    })?;
    let addr = server.addrs()[0];
    let running = server.run();
    let handle = running.handle();
    let server_task = actix_web::rt::spawn(running);
    println!("serving on http://{addr} (own route /hello, spreadwatch under /sw)");
    if !keep {
        let client = reqwest::Client::new();
        let own = client
            .get(format!("http://{addr}/hello"))
            .send()
            .await?
            .text()
            .await?;
        let status = client
            .get(format!("http://{addr}/sw/api/health"))
            .send()
            .await?
            .status();
        let pairs: serde_json::Value = client
            .get(format!("http://{addr}/sw/api/pairs"))
            .send()
            .await?
            .json()
            .await?;
        println!("/hello -> {own:?}; /sw/api/health -> {status}; /sw/api/pairs -> {pairs}");
        handle.stop(true).await;
        let _ = server_task.await;
        engine.shutdown().await;
        if own != "my own service" || !status.is_success() {
            return Err("unexpected responses".into());
        }
    } else {
        let _ = server_task.await;
    }
    Ok(())
}
