//! A labelled text input with its help line and inline error.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub help: AttrValue,
    pub value: AttrValue,
    pub error: Option<AttrValue>,
    /// What the text was read as (`= 20,971,520 B`), shown unless in error.
    #[prop_or_default]
    pub echo: Option<AttrValue>,
    pub oninput: Callback<String>,
}

#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.value());
        })
    };
    let help_id = format!("{}-help", props.id);
    let error_id = format!("{}-error", props.id);
    let echo_id = format!("{}-echo", props.id);
    let echo = props.echo.clone().filter(|_| props.error.is_none());
    let described = match (&props.error, &echo) {
        (Some(_), _) => format!("{help_id} {error_id}"),
        (None, Some(_)) => format!("{help_id} {echo_id}"),
        (None, None) => help_id.clone(),
    };
    html! {
        <div class={classes!("field", props.error.is_some().then_some("invalid"))}>
            <label for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                id={props.id.clone()}
                type="text"
                autocomplete="off"
                spellcheck="false"
                value={props.value.clone()}
                aria-invalid={props.error.is_some().to_string()}
                aria-describedby={described}
                {oninput}
            />
            if let Some(echo) = echo {
                <small id={echo_id} class="echo">{ echo }</small>
            }
            <small id={help_id} class="help">{ props.help.clone() }</small>
            if let Some(err) = &props.error {
                <small id={error_id} class="error">{ err.clone() }</small>
            }
        </div>
    }
}
