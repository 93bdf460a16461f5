//! The HTTP server. `run(listener, state, shutdown)` serves until the
//! shutdown future resolves, so tests bind port 0 and stop cleanly.

mod routes;

use std::future::Future;
use std::net::TcpListener;

use actix_web::{web, App, HttpServer};

use crate::EngineHandle;

/// Mounts spreadwatch's routes into an actix-web app.
pub fn configure(handle: EngineHandle) -> impl FnOnce(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(handle));
        routes::configure(cfg);
    }
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    handle: EngineHandle,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let server = HttpServer::new(move || App::new().configure(configure(handle.clone())))
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
    let h = server.handle();
    tokio::select! {
        r = server => r,
        _ = shutdown => {
            h.stop(true).await;
            Ok(())
        }
    }
}
