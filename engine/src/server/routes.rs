//! REST routes.

use actix_web::{get, web, HttpResponse, Responder};

use crate::EngineHandle;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(status);
}

/// Liveness: 200 with `{"ok":true}` while the process serves.
#[get("/api/health")]
async fn health() -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
}

/// Feed status per source and symbol.
#[get("/api/status")]
async fn status(h: web::Data<EngineHandle>) -> impl Responder {
    HttpResponse::Ok().json(h.status())
}
