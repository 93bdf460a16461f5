//! The "Live | Uploaded CSV" switch and the file picker. The file goes to
//! `POST /api/analyze`; the result fills the same charts and stat boxes, and
//! a bad file shows the server's line and column message.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::prefs::Mode;
use crate::store::{ScanUpload, Upload};

/// Props.
#[derive(Properties, PartialEq)]
pub struct UploadBarProps {
    /// Current mode.
    pub mode: Mode,
    /// Upload state: a label and an error, if any.
    pub status: UploadStatus,
    /// The mode was switched.
    pub on_mode: Callback<Mode>,
    /// A file was picked, with the y and x symbols to analyse.
    pub on_file: Callback<(web_sys::File, String, String)>,
    /// The y symbol offered (the live pair's).
    pub default_y: String,
    /// The x symbol offered.
    pub default_x: String,
    /// The file goes to the scanner, which needs no legs.
    #[prop_or(false)]
    pub scan: bool,
}

/// What the bar says about the upload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadStatus {
    /// "posting x.csv", "x.csv: 1,234 rows".
    pub label: Option<String>,
    /// The server's error.
    pub error: Option<String>,
}

impl From<&Upload> for UploadStatus {
    fn from(u: &Upload) -> Self {
        match u {
            Upload::Idle => UploadStatus::default(),
            Upload::Busy(name) => UploadStatus {
                label: Some(format!("analysing {name}…")),
                error: None,
            },
            Upload::Done(v) => UploadStatus {
                label: Some(format!("{}: {} aligned rows", v.name, v.report.n)),
                error: None,
            },
            Upload::Failed(e) => UploadStatus {
                label: None,
                error: Some(e.clone()),
            },
        }
    }
}

impl From<&ScanUpload> for UploadStatus {
    fn from(u: &ScanUpload) -> Self {
        match u {
            ScanUpload::Idle => UploadStatus::default(),
            ScanUpload::Busy(name) => UploadStatus {
                label: Some(format!("scanning {name}…")),
                error: None,
            },
            ScanUpload::Done(r, _) => UploadStatus {
                label: Some(format!("{} pairs ranked", r.len())),
                error: None,
            },
            ScanUpload::Failed(e) => UploadStatus {
                label: None,
                error: Some(e.clone()),
            },
        }
    }
}

/// The switch and picker.
#[function_component]
pub fn UploadBar(props: &UploadBarProps) -> Html {
    let tab = |m: Mode, label: &'static str, id: &'static str| {
        let cb = props.on_mode.reform(move |_: MouseEvent| m);
        let class = classes!("sw-tab", (props.mode == m).then_some("sw-active"));
        html! { <button {id} {class} onclick={cb}>{ label }</button> }
    };
    let y = use_state(String::new);
    let x = use_state(String::new);
    let text = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            h.set(input.value().trim().to_uppercase());
        })
    };
    let (on_y, on_x) = (text(&y), text(&x));
    let on_file = props.on_file.clone();
    let (ys, xs) = ((*y).clone(), (*x).clone());
    let onchange = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Some(f) = input.files().and_then(|l| l.get(0)) {
            on_file.emit((f, ys.clone(), xs.clone()));
        }
        // Picking the same file again must fire again.
        input.set_value("");
    });
    html! {
        <div class="sw-mode">
            { tab(Mode::Live, "Live", "mode-live") }
            { tab(Mode::Upload, "Uploaded CSV", "mode-upload") }
            if props.mode == Mode::Upload && !props.scan {
                <input id="upload-y" class="sw-sym" placeholder={props.default_y.clone()} onchange={on_y} />
                <span>{ "/" }</span>
                <input id="upload-x" class="sw-sym" placeholder={props.default_x.clone()} onchange={on_x} />
            }
            if props.mode == Mode::Upload {
                <label class="sw-file">{ if props.scan { "CSV (long: time,symbol,close): " } else { "CSV: " } }
                    <input id="upload-file" type="file" accept=".csv,text/csv" {onchange} />
                </label>
                if let Some(l) = props.status.label.clone() { <span id="upload-status">{ l }</span> }
                if let Some(e) = props.status.error.clone() { <span class="sw-error" id="upload-error">{ e }</span> }
            }
        </div>
    }
}
