//! What waits for the signed-in person: releases they may approve and have
//! not reviewed (oldest first, with what else blocks each and how long it
//! has waited), their own releases that want a next step, and what reached
//! the tenants they administer. The header links here with the first count.

use crate::components::loaded::Loaded;
use crate::components::state_badge::Time;
use crate::server_fns::inbox::{SetMail, load_inbox};
use airlock_domain::inbox::{Inbox, OwnRelease, Reached, Waiting};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn InboxPage() -> impl IntoView {
    let inbox = Resource::new(|| (), |_| load_inbox());
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <Loaded resource=inbox render=move |(inbox, now)| view! { <Sections inbox now/> }/>
    }
}

#[component]
fn Sections(inbox: Inbox, now: DateTime<Utc>) -> impl IntoView {
    let nothing = inbox.waiting.is_empty() && inbox.own.is_empty() && inbox.reached.is_empty();
    let mail = inbox.mail.map(|on| view! { <MailSetting on/> });
    let waiting = inbox.waiting.into_iter().map(|w| waiting_row(w, now).into_any()).collect();
    let own = inbox.own.into_iter().map(|r| own_row(r).into_any()).collect();
    let reached = inbox.reached.into_iter().map(|r| reached_row(r).into_any()).collect();
    view! {
        {nothing.then(|| view! { <p class="muted" data-testid="inbox-empty">"Nothing waits for you."</p> })}
        {section("waiting", "Waiting for your approval", waiting)}
        {section("own", "Your releases", own)}
        {section("reached", "What reached your tenants this week", reached)}
        {mail}
    }
}

/// E-mail on or off, as a plain form.
#[component]
fn MailSetting(on: bool) -> impl IntoView {
    let (said, button) = if on {
        (
            "You are mailed when a release starts waiting for your approval, and when your own release's gate opens or one of its jobs fails.",
            "Turn e-mail off",
        )
    } else {
        ("E-mail is off: nothing is mailed to you.", "Turn e-mail on")
    };
    view! {
        <section aria-labelledby="mail-heading" data-testid="mail-setting" data-mail=if on { "on" } else { "off" }>
            <h2 id="mail-heading">"E-mail"</h2>
            <p class="muted">{said}</p>
            <form method="post" action=SetMail::url() class="inline">
                <input type="hidden" name="on" value=if on { "false" } else { "true" }/>
                <button type="submit" data-testid="mail-toggle">{button}</button>
            </form>
        </section>
    }
}

/// One section of the inbox, or nothing when it has no rows.
fn section(name: &'static str, heading: &'static str, rows: Vec<AnyView>) -> Option<impl IntoView> {
    (!rows.is_empty()).then(|| {
        let (labelled_by, heading_id) = (format!("{name}-heading"), format!("{name}-heading"));
        view! {
            <section aria-labelledby=labelled_by>
                <h2 id=heading_id>{heading}</h2>
                <ul class="inbox" data-testid=format!("inbox-{name}")>{rows}</ul>
            </section>
        }
    })
}

fn release_link(id: i64, service: &str, version: &str, environment: &str) -> impl IntoView + use<> {
    view! { <a href=format!("/releases/{id}")>{format!("#{id} {service} {version} → {environment}")}</a> }
}

fn waiting_row(w: Waiting, now: DateTime<Utc>) -> impl IntoView {
    let also: Vec<String> = w.also_blocked_by.iter().map(|b| b.message()).collect();
    let also = if also.is_empty() { "Nothing else blocks it.".to_owned() } else { format!("Also: {}", also.join(" ")) };
    view! {
        <li data-release=w.id>
            {release_link(w.id, &w.service, &w.version, &w.environment)}
            " "<span class="muted">{format!("by {}, revision {}", w.author, w.revision)}</span>
            <br/>
            <strong>{format!("{} of {} approvals", w.approvals, w.needed)}</strong>
            {format!(" · waiting {} · ", waited(now - w.since))}
            <span>{also}</span>
        </li>
    }
}

fn own_row(r: OwnRelease) -> impl IntoView {
    let what = match (r.open, r.failed_jobs) {
        (true, _) => "Its gate is open: it may be dispatched.".to_owned(),
        (false, 1) => "A job failed.".to_owned(),
        (false, n) => format!("{n} jobs failed."),
    };
    view! {
        <li data-release=r.id>
            {release_link(r.id, &r.service, &r.version, &r.environment)}" "<strong>{what}</strong>" "<Time at=r.updated_at/>
        </li>
    }
}

fn reached_row(r: Reached) -> impl IntoView {
    let what = if r.kind == "rollback" { "rolled back to" } else { "now runs" };
    view! {
        <li data-release=r.release_id>
            {format!("{} in {} {what} {} {} ", r.tenant, r.region, r.service, r.version)}
            {release_link(r.release_id, &r.service, &r.version, &r.environment)}" "<Time at=r.at/>
        </li>
    }
}

/// `3 d 4 h`, `2 h 5 min`, `12 min`, `less than a minute`.
pub fn waited(span: chrono::Duration) -> String {
    let minutes = span.num_minutes().max(0);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "less than a minute".to_owned(),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::waited;
    use chrono::Duration;

    #[test]
    fn how_long_a_release_waited_is_said_in_its_largest_units() {
        assert_eq!(waited(Duration::seconds(40)), "less than a minute");
        assert_eq!(waited(Duration::minutes(12)), "12 min");
        assert_eq!(waited(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(waited(Duration::hours(76)), "3 d 4 h");
    }
}
