//! REST calls to the engine, with the page's token when it has one
//! (`?token=` in the page address, as for `/ws`).

use gloo::net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use spreadwatch_proto::scan::ScanReport;
use spreadwatch_proto::{AnalyzeReport, CorrelationMatrix, Interval, Model};
use wasm_bindgen::JsCast;

/// The token from the page address, if any.
pub fn token() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .map(|t| {
            js_sys::decode_uri_component(t)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        })
}

/// The WebSocket address of this page's server.
pub fn ws_url() -> String {
    let loc = web_sys::window().map(|w| w.location());
    let host = loc.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let scheme = match loc.and_then(|l| l.protocol().ok()).as_deref() {
        Some("https:") => "wss",
        _ => "ws",
    };
    match token() {
        Some(t) => format!(
            "{scheme}://{host}/ws?token={}",
            String::from(js_sys::encode_uri_component(&t))
        ),
        None => format!("{scheme}://{host}/ws"),
    }
}

fn authed(r: RequestBuilder) -> RequestBuilder {
    match token() {
        Some(t) => r.header("Authorization", &format!("Bearer {t}")),
        None => r,
    }
}

/// The server's `{"error": …}` message, or the status line.
async fn error_of(r: Response) -> String {
    let status = r.status();
    match r.json::<serde_json::Value>().await {
        Ok(v) => v["error"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}")),
        Err(_) => format!("HTTP {status}"),
    }
}

/// GETs `path` with the token; a non-2xx answer becomes its error message.
async fn get_ok(path: &str) -> Result<Response, String> {
    let r = authed(Request::get(path))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.ok() {
        return Err(error_of(r).await);
    }
    Ok(r)
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, String> {
    get_ok(path).await?.json().await.map_err(|e| e.to_string())
}

/// `GET /api/correlation` over `symbols`, or the busiest when empty.
pub async fn correlation(
    interval: Interval,
    window: usize,
    symbols: &[String],
) -> Result<CorrelationMatrix, String> {
    let pick = if symbols.is_empty() {
        String::new()
    } else {
        format!("&symbols={}", symbols.join(","))
    };
    get_json(&format!(
        "/api/correlation?interval={interval}&window={window}{pick}"
    ))
    .await
}

/// POSTs `file` as the raw body to `url`; a non-2xx answer becomes its
/// error message.
async fn post_file<T: DeserializeOwned>(url: &str, file: web_sys::File) -> Result<T, String> {
    let req = authed(Request::post(url))
        .header("Content-Type", "text/csv")
        .body(file)
        .map_err(|e| e.to_string())?;
    let r = req.send().await.map_err(|e| e.to_string())?;
    if !r.ok() {
        return Err(error_of(r).await);
    }
    r.json().await.map_err(|e| e.to_string())
}

/// The file's name as a query value (the server's messages name the file
/// the user picked).
fn name_of(file: &web_sys::File) -> String {
    String::from(js_sys::encode_uri_component(&file.name()))
}

/// `POST /api/scan` with the file as the raw body, the scanner's defaults.
pub async fn scan(file: web_sys::File) -> Result<ScanReport, String> {
    post_file(&format!("/api/scan?name={}", name_of(&file)), file).await
}

/// What the upload is analysed with.
pub struct AnalyzeParams {
    /// y symbol.
    pub y: String,
    /// x symbol.
    pub x: String,
    /// z window.
    pub window: usize,
    /// Model.
    pub model: Model,
    /// Threshold.
    pub z: f64,
    /// Kalman delta.
    pub kalman_delta: f64,
    /// Kalman R.
    pub kalman_r: f64,
}

/// `POST /api/analyze` with the file as the raw body.
pub async fn analyze(file: web_sys::File, p: &AnalyzeParams) -> Result<AnalyzeReport, String> {
    let url = format!(
        "/api/analyze?y={}&x={}&window={}&model={}&z={}&kalman_delta={}&kalman_r={}&series=true&name={}",
        p.y, p.x, p.window, p.model, p.z, p.kalman_delta, p.kalman_r, name_of(&file)
    );
    post_file(&url, file).await
}

/// Fetches `path` and saves it as `name` through a temporary link (a plain
/// link could not carry the bearer token); returns the bytes saved.
pub async fn download(path: &str, name: &str) -> Result<usize, String> {
    let bytes = get_ok(path)
        .await?
        .binary()
        .await
        .map_err(|e| e.to_string())?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/csv");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|_| "could not make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "no object URL".to_string())?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|_| "no anchor".to_string())?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    // In the document while it is clicked: a detached link's click is not
    // always honoured.
    let body = doc.body().ok_or("no body")?;
    let _ = body.append_child(&a);
    a.click();
    a.remove();
    // The browser reads the blob after the click returns; free it later.
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(bytes.len())
}
