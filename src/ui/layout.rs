//! The page shell shared by every UI page: head, skip link, navigation, the
//! API-key dialog (shown only when the API answers 401), and the assets.

use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Analyse,
    Runs,
    None,
}

pub fn page(title: &str, nav: Nav, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Faultline" }
                link rel="stylesheet" href=(super::assets::CSS_PATH);
                script src=(super::assets::JS_PATH) defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    a class="brand" href="/" { "Faultline" }
                    nav aria-label="Main" {
                        ul {
                            (nav_item("/", "Analyse", nav == Nav::Analyse))
                            (nav_item("/ui/runs", "Runs", nav == Nav::Runs))
                            li { a href="/docs" { "API" } }
                        }
                    }
                }
                (key_dialog())
                main id="main" tabindex="-1" { (main) }
            }
        }
    }
}

fn nav_item(href: &str, label: &str, current: bool) -> Markup {
    html! {
        li {
            @if current {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    }
}

/// Asks for an API key when the API refuses a call with 401; the key is
/// kept in sessionStorage only (gone when the tab closes).
fn key_dialog() -> Markup {
    html! {
        section id="key-panel" class="panel key" hidden aria-labelledby="key-heading" {
            h2 id="key-heading" { "API key required" }
            p { "This server requires an API key. It is kept in this tab's session storage only." }
            p id="key-refused" class="error" role="alert" {}
            form id="key-form" {
                label for="api-key" { "API key" }
                input id="api-key" name="api-key" type="password" autocomplete="off" required;
                button type="submit" { "Use key" }
            }
        }
    }
}

/// A JSON value embedded for the page's script (`<script type=application/json>`),
/// with `<` escaped so the text can never close the script element.
pub fn json_island(id: &str, value: &serde_json::Value) -> Markup {
    let text = value.to_string().replace('<', "\\u003c");
    html! { script type="application/json" id=(id) { (PreEscaped(text)) } }
}
