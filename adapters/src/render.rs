//! Server-rendered pages with Tera. Templates are compiled once, at start-up, from the
//! files in `templates/` embedded in the binary (the container has no template directory).

use tera::{Context, Tera};

const TEMPLATES: &[(&str, &str)] = &[
    ("account.html", include_str!("../../templates/account.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "authorized_apps.html",
        include_str!("../../templates/authorized_apps.html"),
    ),
    ("base.html", include_str!("../../templates/base.html")),
    ("consent.html", include_str!("../../templates/consent.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("login.html", include_str!("../../templates/login.html")),
    (
        "mcp_server.html",
        include_str!("../../templates/mcp_server.html"),
    ),
    (
        "mcp_server_fields.html",
        include_str!("../../templates/mcp_server_fields.html"),
    ),
    (
        "mcp_servers.html",
        include_str!("../../templates/mcp_servers.html"),
    ),
    (
        "oauth2_app.html",
        include_str!("../../templates/oauth2_app.html"),
    ),
    (
        "oauth2_apps.html",
        include_str!("../../templates/oauth2_apps.html"),
    ),
    (
        "reset_password.html",
        include_str!("../../templates/reset_password.html"),
    ),
    ("setup.html", include_str!("../../templates/setup.html")),
    ("users.html", include_str!("../../templates/users.html")),
];

/// The compiled templates.
#[derive(Debug)]
pub struct Pages {
    tera: Tera,
}

impl Pages {
    /// Compiles every template; fails start-up on a template error.
    pub fn new() -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        tera.autoescape_on(vec![".html"]);
        Ok(Self { tera })
    }

    /// Renders `name` with `context` (values are HTML-escaped).
    pub fn render(&self, name: &str, context: &Context) -> anyhow::Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| anyhow::anyhow!("rendering {name}: {e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_escapes_what_it_shows() {
        let pages = Pages::new().unwrap();
        let mut ctx = Context::new();
        ctx.insert("status", &400);
        ctx.insert("message", "<script>alert(1)</script>");
        let html = pages.render("error.html", &ctx).unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>alert"));
    }
}
