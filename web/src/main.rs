//! The planner page's entry point: mounts the Yew app on `<body>`.

mod app;
mod components;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
