//! The browser half of `LiveRelease` (compiled for `hydrate` only): it works
//! on the server-rendered `.release-page` through the DOM.
//! - A push redraws the page from `GET` of its own address, keeping a
//!   half-typed review comment (and its focus) — unless the push brings
//!   another revision than the one on screen. Then nothing under the
//!   reader's eyes changes, least of all the revision their review form
//!   names: a banner says the release changed and links to the new
//!   revision, and approving what is on screen is refused by the server
//!   (409) as a stale review, as on every other way in.
//! - A submitted form is sent with `fetch` exactly as the browser would send
//!   it (same fields, same button, `Accept: text/html`), so the server answers
//!   as for a plain form: it redirects to the release, with its refusal in
//!   the address if it refused; the page shows that answer.

use crate::components::live::Live;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomParser, Element, HtmlFormElement, HtmlTextAreaElement, RequestInit, Response, SubmitEvent, SupportedType};

const PAGE: &str = ".release-page";
const COMMENT: &str = "#review-comment";
const REVISION: &str = "data-revision";
const CHANGED: &str = "release-changed";

/// Puts (or updates) the banner saying the release moved on to `revision`
/// while the reader was reading another one, at the top of the page.
fn announce_new_revision(page: &Element, revision: &str) {
    let banner = match document().get_element_by_id(CHANGED) {
        Some(banner) => banner,
        None => {
            let Ok(banner) = document().create_element("div") else { return };
            banner.set_id(CHANGED);
            let _ = banner.set_attribute("class", "release-changed");
            let _ = banner.set_attribute("role", "alert");
            let _ = banner.set_attribute("data-testid", CHANGED);
            let _ = page.insert_adjacent_element("afterbegin", &banner);
            banner
        }
    };
    let here = window().location().pathname().unwrap_or_default();
    // Only digits reach the markup: the revision comes from the server's page, but stays a number here.
    let revision: String = revision.chars().filter(char::is_ascii_digit).collect();
    banner.set_inner_html(&format!(
        "<strong>This release changed while you were reading:</strong> it is now at revision {revision}. \
         What you see, and what you would approve, is the revision you opened. \
         <a href=\"{here}?revision={revision}#history\">See what changed</a>"
    ));
}

pub fn follow(live: Live) {
    Effect::new(move |_| {
        if let Some(page) = page() {
            let _ = page.set_attribute("data-live", if live.open.get() { "open" } else { "closed" });
        }
    });
    Effect::new(move |_| {
        if live.pushes.get() > 0 {
            leptos::task::spawn_local(redraw_from(None, Keep::Comment));
        }
    });
    // Between pushes, bakes count down from the seconds the server rendered
    // (the browser reads no clock); the push at a bake's end redraws it.
    set_interval(count_bakes_down, std::time::Duration::from_secs(1));
    // (A push redraw keeps `data-revision` on the page, an answer to a form moves it.)
    let Some(page) = page() else { return };
    // One listener on the page's container: it outlives every redraw of
    // what is inside, and sees every form's submit.
    let on_submit = Closure::<dyn FnMut(SubmitEvent)>::new(|event: SubmitEvent| {
        let Some(form) = event.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        event.prevent_default();
        let submitter = event.submitter();
        leptos::task::spawn_local(async move {
            let sent = send(&form, submitter.as_ref()).await;
            // Attributes, not `form.id` / `form.action`: a form's fields named
            // `id` (every form here has one) shadow those properties.
            let is_review = form.get_attribute("id").as_deref() == Some("review-form");
            match sent {
                Some(response) => {
                    let keep = if is_review { Keep::CommentIfRefused } else { Keep::Comment };
                    redraw_from(Some(response), keep).await
                }
                // Not answered: let the browser post it the plain way.
                None => form.submit().unwrap_or_default(),
            }
        });
    });
    let _ = page.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    // The page lives as long as the document; so does its listener.
    on_submit.forget();
}

fn count_bakes_down() {
    let Ok(counters) = document().query_selector_all(".bake-left[data-seconds-left]") else { return };
    for n in 0..counters.length() {
        let Some(counter) = counters.item(n).and_then(|node| node.dyn_into::<Element>().ok()) else { continue };
        let Some(left) = counter.get_attribute("data-seconds-left").and_then(|s| s.parse::<i64>().ok()) else { continue };
        let left = (left - 1).max(0);
        let _ = counter.set_attribute("data-seconds-left", &left.to_string());
        counter.set_text_content(Some(&crate::components::jobs::bake_left(left)));
    }
}

/// What a redraw keeps of what is being typed.
#[derive(Clone, Copy, PartialEq)]
enum Keep {
    /// A push, or another form sent: the comment being typed stays.
    Comment,
    /// The review form sent: its comment went with it, unless refused.
    CommentIfRefused,
}

fn page() -> Option<Element> {
    document().query_selector(PAGE).ok().flatten()
}

async fn send(form: &HtmlFormElement, submitter: Option<&web_sys::HtmlElement>) -> Option<Response> {
    let fields = web_sys::FormData::new_with_form(form).ok()?;
    // The button pressed is a field too (approve or reject), as in a plain post.
    if let Some(button) = submitter
        && let Some(name) = button.get_attribute("name")
    {
        fields.append_with_str(&name, &button.get_attribute("value").unwrap_or_default()).ok()?;
    }
    // URL-encoded, as a plain form posts: what the server functions decode.
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&fields).ok()?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    fetch_html(&form.get_attribute("action")?, init).await
}

/// Fetches `url` asking for HTML, as the browser asks for a page, so the
/// server answers (and redirects) as it does for a plain form or link.
async fn fetch_html(url: &str, init: RequestInit) -> Option<Response> {
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Accept", "text/html").ok()?;
    init.set_headers(&headers);
    JsFuture::from(window().fetch_with_str_and_init(url, &init)).await.ok()?.dyn_into::<Response>().ok()
}

/// Redraws `.release-page` from `answer`, or from a fresh `GET` of this page.
async fn redraw_from(answer: Option<Response>, keep: Keep) {
    let pushed = answer.is_none();
    let response = match answer {
        Some(response) => response,
        None => {
            let here = window().location().pathname().unwrap_or_default();
            let Some(response) = fetch_html(&here, RequestInit::new()).await else { return };
            response
        }
    };
    let Some(html) = text_of(&response).await else { return };
    let Some(fresh) = parsed(&html) else { return };
    let Some(fresh_page) = fresh.query_selector(PAGE).ok().flatten() else {
        // Not the release page (signed out, say): show what the server answered.
        let _ = window().location().assign(&response.url());
        return;
    };
    let Some(page) = page() else { return };
    let shown = page.get_attribute(REVISION);
    let fresh_revision = fresh_page.get_attribute(REVISION);
    if pushed && shown != fresh_revision {
        announce_new_revision(&page, fresh_revision.as_deref().unwrap_or("?"));
        return;
    }
    if let Some(revision) = &fresh_revision {
        // An answer to the reader's own form shows where the release is now.
        let _ = page.set_attribute(REVISION, revision);
    }
    let refused = fresh_page.query_selector("#reviews .form-error").ok().flatten().is_some();
    let typed = textarea(&page).map(|t| (t.value(), document().active_element().is_some_and(|a| a.id() == "review-comment")));
    page.set_inner_html(&fresh_page.inner_html());
    document().set_title(&fresh.title());
    if keep == Keep::CommentIfRefused && !refused {
        return;
    }
    if let (Some((value, focused)), Some(comment)) = (typed, textarea(&page)) {
        comment.set_value(&value);
        if focused {
            let _ = comment.focus();
        }
    }
}

async fn text_of(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}

fn parsed(html: &str) -> Option<web_sys::Document> {
    DomParser::new().ok()?.parse_from_string(html, SupportedType::TextHtml).ok()
}

fn textarea(page: &Element) -> Option<HtmlTextAreaElement> {
    page.query_selector(COMMENT).ok().flatten()?.dyn_into::<HtmlTextAreaElement>().ok()
}
