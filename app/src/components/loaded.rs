//! Loads a page's data and renders it, or the failure page with the right
//! status. Every page uses it, so loading and error handling look the same.

use crate::components::failure::Failure;
use crate::error::PageError;
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, PageError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => render(data).into_any(),
                        Err(error) => view! { <Failure error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
