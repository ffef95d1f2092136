//! Reading the consent page's HTML: its form, hidden inputs and buttons.

/// The hidden inputs of the page's `<form action="/oauth2/authorize">`, unescaped.
pub fn consent_form(page: &str) -> Vec<(String, String)> {
    let start = tags(page, "form")
        .find(|(_, attrs)| attr(attrs, "action").as_deref() == Some("/oauth2/authorize"))
        .map(|(at, _)| at)
        .expect("a form posting to /oauth2/authorize");
    let end = page[start..]
        .find("</form>")
        .map_or(page.len(), |e| start + e);
    hidden_inputs(&page[start..end])
}

/// The value of `name` in `form`.
pub fn form_value(form: &[(String, String)], name: &str) -> String {
    let field = form.iter().find(|(n, _)| n == name);
    field.expect("the form has that field").1.clone()
}

/// Sets every `name` field of `form` to `value`.
pub fn set_field(form: &mut [(String, String)], name: &str, value: &str) {
    for field in form.iter_mut().filter(|(n, _)| n == name) {
        field.1 = value.to_owned();
    }
}

/// Every `<input type="hidden">`'s name and unescaped value in `html`.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    tags(html, "input")
        .filter(|(_, attrs)| attr(attrs, "type").as_deref() == Some("hidden"))
        .filter_map(|(_, attrs)| Some((attr(&attrs, "name")?, attr(&attrs, "value")?)))
        .collect()
}

/// Whether `page` has `<button type="submit" name="decision" value="{decision}">`.
pub fn has_decision_button(page: &str, decision: &str) -> bool {
    tags(page, "button").any(|(_, attrs)| {
        attr(&attrs, "type").as_deref() == Some("submit")
            && attr(&attrs, "name").as_deref() == Some("decision")
            && attr(&attrs, "value").as_deref() == Some(decision)
    })
}

/// Tera's HTML escaping, undone.
pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Each `<name …>` tag in `html`: where it starts and its attributes.
fn tags(html: &str, name: &str) -> std::vec::IntoIter<(usize, Vec<(String, String)>)> {
    let open = format!("<{name}");
    let mut found = Vec::new();
    for (at, _) in html.match_indices(open.as_str()) {
        let rest = &html[at + open.len()..];
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '>') {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        found.push((at, attributes(&rest[..end])));
    }
    found.into_iter()
}

/// `a="x" b='y' c=z d` → names and unescaped values.
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return found;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_ascii_lowercase();
        s = s[name_end..].trim_start();
        let mut value = String::new();
        if let Some(rest) = s.strip_prefix('=') {
            let rest = rest.trim_start();
            let (raw, after) = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = rest[1..].find(q).map_or(rest.len(), |e| e + 1);
                    (&rest[1..close], rest.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    (&rest[..end], &rest[end..])
                }
            };
            value = html_unescape(raw);
            s = after;
        }
        found.push((name, value));
    }
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// The text of the element whose `id` attribute is `id`: its tags dropped, Tera's escaping
/// undone and whitespace collapsed; `None` when no element has that id.
pub fn text_by_id(html: &str, id: &str) -> Option<String> {
    inner_html_by_id(html, id).map(plain_text)
}

/// The text of each `<li>` inside the element whose `id` is `id` (empty when there is none).
pub fn list_items_by_id(html: &str, id: &str) -> Vec<String> {
    let Some(inner) = inner_html_by_id(html, id) else {
        return Vec::new();
    };
    inner
        .split("<li")
        .skip(1)
        .filter_map(|item| {
            let content = &item[item.find('>')? + 1..];
            Some(plain_text(content.split("</li>").next()?))
        })
        .collect()
}

/// What lies between the opening tag carrying `id="{id}"` and its matching closing tag.
fn inner_html_by_id<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let open = html[..at].rfind('<')?;
    let name: String = html[open + 1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let start = at + html[at..].find('>')? + 1;
    let (open_tag, close_tag) = (format!("<{name}"), format!("</{name}>"));
    let (mut depth, mut pos) = (1, start);
    loop {
        let close = pos + html[pos..].find(&close_tag)?;
        let nested = html[pos..close].match_indices(&open_tag).find(|(i, _)| {
            html[pos + i + open_tag.len()..].starts_with(|c: char| c.is_whitespace() || c == '>')
        });
        match nested {
            Some((i, _)) => {
                depth += 1;
                pos += i + open_tag.len();
            }
            None if depth == 1 => return Some(&html[start..close]),
            None => {
                depth -= 1;
                pos = close + close_tag.len();
            }
        }
    }
}

/// `html` without its tags, unescaped, with runs of whitespace made one space.
fn plain_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    html_unescape(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
