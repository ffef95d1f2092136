//! Reads the consent page (SPEC §4 step 4): the hidden fields of its form, which the
//! `POST /oauth2/authorize` must echo, including the CSRF token.

/// The hidden `<input>` fields of an HTML page, in document order, values unescaped.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<input") {
        let tail = &rest[start..];
        let end = tail.find('>').unwrap_or(tail.len());
        let tag = &tail[..end];
        if attribute(tag, "type").as_deref() == Some("hidden")
            && let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value"))
        {
            fields.push((name, value));
        }
        rest = &tail[end..];
    }
    fields
}

/// The unescaped value of `name="…"` in one tag, if present.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

/// Undoes Tera's HTML escaping (`&amp; &lt; &gt; &quot; &#x27; &#x2F;`).
pub fn unescape(text: &str) -> String {
    const ENTITIES: [(&str, &str); 7] = [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&#x2F;", "/"),
        ("&amp;", "&"),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match ENTITIES.iter().find(|(entity, _)| tail.starts_with(entity)) {
            Some((entity, plain)) => {
                out.push_str(plain);
                rest = &tail[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_fields_are_read_in_order_and_unescaped() {
        let html = r#"<form method="post">
  <input type="hidden" name="csrf_token" value="abc">
  <input type="hidden" name="redirect_uri" value="http:&#x2F;&#x2F;127.0.0.1:9&#x2F;cb">
  <input type="text" name="other" value="x">
  <button type="submit" name="decision" value="allow">Allow</button>
</form>"#;
        let fields = hidden_fields(html);
        assert_eq!(
            fields,
            vec![
                ("csrf_token".to_owned(), "abc".to_owned()),
                (
                    "redirect_uri".to_owned(),
                    "http://127.0.0.1:9/cb".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn unescape_handles_every_tera_entity_once() {
        assert_eq!(
            unescape("a&amp;lt;b &lt;&gt;&quot;&#x27;&#x2F; & x"),
            "a&lt;b <>\"'/ & x"
        );
    }
}
