use web_sys::HtmlInputElement;
use yew::prelude::*;

#[function_component]
fn App() -> Html {
    let text = use_state(String::new);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let items: Vec<Html> =
        text.split(',').map(|s| html! { <li key={s.to_string()}>{ s }</li> }).collect();
    html! {
        <main>
            <label for="x">{ "Value" }</label>
            <input id="x" value={(*text).clone()} {oninput} />
            <ul>{ for items }</ul>
        </main>
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
