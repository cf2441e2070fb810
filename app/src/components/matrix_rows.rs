//! The tenants matrix's rows as HTML, written straight into one string. At
//! 1,000 tenants × 15 columns the matrix is 15,000 cells and about 3 MB of
//! HTML: rendering each cell as a view cost about 4 µs, most of the page's
//! time; here nothing is allocated per cell. The markup is the same the view
//! rendered, and every value is escaped here (`escape_into`) as the view
//! escaped it.

use crate::components::matrix_cell::{CellLook, cell_look};
use airlock_domain::status::{MatrixFilter, MatrixRow};
use std::fmt::Write;

/// Every row, rows the filter rejects `hidden`; `places` names each column.
pub fn matrix_rows_html(rows: &[MatrixRow], places: &[String], filter: &MatrixFilter) -> String {
    let mut html = String::with_capacity(rows.len() * (places.len() + 1) * 200);
    for row in rows {
        html.push_str("<tr data-tenant=\"");
        escape_into(&mut html, &row.slug);
        html.push_str("\" data-region=\"");
        escape_into(&mut html, &row.primary_region);
        let _ = write!(html, "\" data-health=\"{}\"", row.health.as_str());
        if !filter.matches(row) {
            html.push_str(" hidden");
        }
        html.push_str("><th scope=\"row\"><a href=\"/tenants/");
        escape_into(&mut html, &row.slug);
        html.push_str("\">");
        escape_into(&mut html, &row.name);
        html.push_str("</a><span class=\"slug\">");
        escape_into(&mut html, &row.slug);
        html.push_str("</span><span class=\"residency badge\" title=\"Data residency\">");
        escape_into(&mut html, &row.data_residency);
        html.push_str("</span></th>");
        for (cell, place) in row.cells.iter().zip(places) {
            cell_into(&mut html, cell_look(cell, place));
        }
        html.push_str("</tr>");
    }
    html
}

fn cell_into(html: &mut String, look: CellLook) {
    let _ = write!(html, "<td class=\"{}\" title=\"", look.class);
    // The title is written straight into the page, escaped on the way.
    let _ = write!(Escaping(html), "{}", look.title);
    html.push_str("\">");
    if let Some(version) = look.version {
        html.push_str("<span class=\"version\">");
        escape_into(html, version);
        html.push_str("</span>");
    }
    if let Some(actual) = look.actual {
        html.push_str("<span class=\"actual\">");
        escape_into(html, actual);
        html.push_str("</span>");
    }
    if let Some(spoken) = look.spoken {
        let _ = write!(html, "<span class=\"visually-hidden\">{spoken}</span>");
    }
    html.push_str("</td>");
}

/// Text safe both between tags and inside a double- or single-quoted
/// attribute. Most values have nothing to escape: they are copied whole.
fn escape_into(html: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        html.push_str(&rest[..at]);
        html.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        // The five are ASCII, one byte each: the next character starts here.
        rest = &rest[at + 1..];
    }
    html.push_str(rest);
}

/// Formats into the page, escaped.
struct Escaping<'a>(&'a mut String);

impl std::fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        escape_into(self.0, text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airlock_domain::Health;
    use airlock_domain::status::{HealthFilter, MatrixCell};

    fn row(name: &str) -> MatrixRow {
        MatrixRow {
            slug: "acme".into(),
            name: name.into(),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            health: Health::Degraded,
            drift: false,
            cells: vec![
                MatrixCell::Running { version: "2.0.0\"><script>".into(), health: Health::Degraded, drift: true, actual: None },
                MatrixCell::NotAllowed,
            ],
        }
    }

    #[test]
    fn names_and_versions_cannot_open_markup() {
        let places = ["production · frankfurt".to_owned(), "production · ashburn".to_owned()];
        let html = matrix_rows_html(&[row("<img src=x onerror=alert(1)> & 'Co'")], &places, &MatrixFilter::default());
        assert!(!html.contains("<img") && !html.contains("<script"), "{html}");
        assert!(html.contains(">&lt;img src=x onerror=alert(1)&gt; &amp; &#39;Co&#39;</a>"), "{html}");
        assert!(html.contains("title=\"production · frankfurt: 2.0.0&quot;&gt;&lt;script&gt;, degraded, differs from other regions\""));
    }

    #[test]
    fn a_row_carries_what_the_browser_filter_reads_and_hides_when_filtered_out() {
        let places = ["production · frankfurt".to_owned(), "production · ashburn".to_owned()];
        let shown = matrix_rows_html(&[row("Acme")], &places, &MatrixFilter::default());
        assert!(shown.starts_with("<tr data-tenant=\"acme\" data-region=\"frankfurt\" data-health=\"degraded\">"), "{shown}");
        assert!(shown.contains("<td class=\"cell cell-running health-degraded drift\""));
        assert!(shown.contains("<td class=\"cell cell-not-allowed\" title=\"production · ashburn: not allowed by data residency\"></td>"));
        let healthy_only = MatrixFilter { text: String::new(), health: HealthFilter::Only(Health::Healthy) };
        let hidden = matrix_rows_html(&[row("Acme")], &places, &healthy_only);
        assert!(hidden.starts_with("<tr data-tenant=\"acme\" data-region=\"frankfurt\" data-health=\"degraded\" hidden>"), "{hidden}");
    }
}
