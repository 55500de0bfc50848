//! The page's root component.

use yew::prelude::*;

use crate::components::amps_memory::AmpsMemory;

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <>
            <header class="masthead">
                <h1>{ "Headroom" }</h1>
                <p class="tagline">{ "Offline capacity planner. Nothing you type leaves this page." }</p>
            </header>
            <main>
                <AmpsMemory />
            </main>
        </>
    }
}
