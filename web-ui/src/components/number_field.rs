//! A number the user types: what they type stays as typed until Enter or
//! leaving the field, however often the page re-renders meanwhile; then it
//! is checked once, and either goes up (once) or is marked invalid beside
//! the field, still as typed.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props.
#[derive(Properties, PartialEq)]
pub struct NumberFieldProps {
    /// The input's DOM id.
    pub id: AttrValue,
    /// The label above it.
    pub label: AttrValue,
    /// The value in force (the engine's), shown when the user is not typing.
    pub value: AttrValue,
    /// Checks and applies what was typed; gives the reason it is invalid.
    pub on_commit: Callback<String, Result<(), String>>,
}

/// What the field holds besides the value in force.
#[derive(Clone, Default, PartialEq)]
struct Edit {
    /// Typed and not yet committed.
    draft: Option<String>,
    /// Committed, until the value in force changes to it.
    sent: Option<String>,
    /// Why the draft was refused.
    error: Option<String>,
}

impl Edit {
    /// After `typed` was checked by `on_commit`.
    fn committed(typed: String, on_commit: &Callback<String, Result<(), String>>) -> Edit {
        match on_commit.emit(typed.clone()) {
            Ok(()) => Edit {
                sent: Some(typed),
                ..Edit::default()
            },
            Err(why) => Edit {
                draft: Some(typed),
                sent: None,
                error: Some(why),
            },
        }
    }
}

/// Commits the draft, if any (Enter, or leaving the field); an unchanged
/// value goes nowhere.
fn commit(edit: &UseStateHandle<Edit>, props: &NumberFieldProps) -> Callback<()> {
    let (edit, on_commit, value) = (edit.clone(), props.on_commit.clone(), props.value.clone());
    Callback::from(move |()| {
        let Some(typed) = edit.draft.clone() else {
            return;
        };
        if typed.trim() == value.as_str() {
            return edit.set(Edit::default());
        }
        edit.set(Edit::committed(typed, &on_commit));
    })
}

/// The field.
#[function_component]
pub fn NumberField(props: &NumberFieldProps) -> Html {
    let edit = use_state(Edit::default);
    {
        // The value in force changed: what was sent is no longer pending.
        let edit = edit.clone();
        use_effect_with(props.value.clone(), move |_| {
            if edit.sent.is_some() {
                edit.set(Edit {
                    sent: None,
                    ..(*edit).clone()
                });
            }
        });
    }
    let commit = commit(&edit, props);
    let oninput = {
        let edit = edit.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            edit.set(Edit {
                draft: Some(input.value()),
                ..(*edit).clone()
            });
        })
    };
    let onkeydown = {
        let (edit, commit) = (edit.clone(), commit.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => commit.emit(()),
            "Escape" => edit.set(Edit::default()),
            _ => {}
        })
    };
    let onblur = commit.reform(|_: FocusEvent| ());
    let shown = (edit.draft.clone().or_else(|| edit.sent.clone()))
        .unwrap_or_else(|| props.value.to_string());
    let invalid = edit.error.is_some();
    html! {
        <label class={classes!("sw-field", invalid.then_some("sw-invalid"))}>{ props.label.clone() }
            <input id={props.id.clone()} type="text" inputmode="decimal" autocomplete="off"
                value={shown} aria-invalid={invalid.to_string()} {oninput} {onkeydown} {onblur} />
            if let Some(why) = edit.error.clone() {
                <span class="sw-field-error" id={format!("{}-error", props.id)}>{ why }</span>
            }
        </label>
    }
}
