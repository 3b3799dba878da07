// The reading view: the documents, their contents, each section's key points and full text,
// the reader's topics highlighted, search as you type, and topic toggles. Plain DOM, no build
// step. Text from the server is only ever set as text (textContent), never as HTML.
"use strict";

(function () {
  var base = document.documentElement.dataset.base || "";
  var tg = (window.Telegram && window.Telegram.WebApp) || null;
  var state = { docs: [], me: null, t: {}, passages: [], topicsOpen: false };
  var $ = function (id) { return document.getElementById(id); };

  // --- Telegram: initData, theme, viewport ------------------------------------------------

  function launchParams() {
    // Telegram's script reads these from the URL's fragment; without the script, so do we.
    var hash = new URLSearchParams(location.hash.slice(1));
    var theme = {};
    try { theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
    return { initData: hash.get("tgWebAppData") || "", themeParams: theme };
  }

  var launch = launchParams();
  var initData = (tg && tg.initData) || launch.initData;

  var THEME = {
    bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
    button_color: "--button", button_text_color: "--button-text",
    secondary_bg_color: "--secondary-bg", section_bg_color: "--section-bg",
    section_separator_color: "--separator", accent_text_color: "--accent",
    header_bg_color: "--header-bg", section_header_text_color: "--section-header"
  };

  function applyTheme() {
    var params = (tg && tg.themeParams) || launch.themeParams || {};
    var root = document.documentElement.style;
    Object.keys(THEME).forEach(function (key) {
      var value = params[key];
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        root.setProperty(THEME[key], value);
      } else {
        root.removeProperty(THEME[key]);
      }
    });
    var scheme = tg && tg.colorScheme;
    if (scheme === "dark" || scheme === "light") {
      document.documentElement.dataset.scheme = scheme;
    }
  }

  function applyViewport() {
    var height = tg && (tg.viewportStableHeight || tg.viewportHeight);
    if (height) {
      document.documentElement.style.setProperty("--viewport", height + "px");
    }
  }

  // --- small helpers ----------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function say(key, values) {
    var text = state.t[key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function english() { return state.me && state.me.language === "en"; }

  function fold(text) {
    return (text || "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ");
  }

  var toastTimer = null;
  function toast(text) {
    var box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 2600);
  }

  function api(path, options) {
    options = options || {};
    var headers = { Authorization: "tma " + initData };
    if (options.body) headers["Content-Type"] = "application/json";
    return fetch(base + "/api/" + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body ? JSON.stringify(options.body) : undefined,
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || String(response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  // --- rendering --------------------------------------------------------------------------

  function sectionLabel(section) {
    if (section.number === 0) return say("intro");
    return say("section", { numeral: section.numeral, number: section.number });
  }

  function sectionTitle(section) {
    if (english() && section.heading_en) {
      return section.number === 0 ? section.heading_en : section.number + ". " + section.heading_en;
    }
    return section.number === 0 ? section.heading : section.numeral + "、" + section.heading;
  }

  function originalTitle(section) {
    return section.number === 0 ? section.heading : section.numeral + "、" + section.heading;
  }

  function scrollToNode(node, quietly) {
    if (!node) return;
    node.scrollIntoView({ block: "start" });
    if (quietly) return;  // opened there: nothing to point out
    node.classList.remove("flash");
    void node.offsetWidth;  // restart the animation
    node.classList.add("flash");
  }

  function renderContents() {
    var nav = $("contents");
    nav.textContent = "";
    nav.appendChild(el("h2", "panel-title", say("contents")));
    var list = el("ol", "toc");
    state.docs.forEach(function (doc) {
      if (state.docs.length > 1) {  // several plans: each one's sections under its title
        list.appendChild(el("li", "toc-doc", english() && doc.title_en ? doc.title_en : doc.title));
      }
      doc.sections.forEach(function (section) {
        var item = el("li");
        var link = el("button", "toc-link");
        link.type = "button";
        link.appendChild(el("span", "toc-label", sectionLabel(section)));
        link.appendChild(el("span", "toc-heading", english() && section.heading_en
          ? section.heading_en : section.heading));
        link.addEventListener("click", function () {
          scrollToNode($("s-" + doc.slug + "-" + section.number));
        });
        item.appendChild(link);
        list.appendChild(item);
      });
    });
    nav.appendChild(list);
    nav.hidden = false;
  }

  function passageNode(passage) {
    var node = el("p", "passage");
    node.id = "p-" + passage.key;
    node.dataset.key = passage.key;
    if (english() && passage.en) {
      node.appendChild(el("span", "en", passage.en));
      var original = el("details", "original");
      original.appendChild(el("summary", null, say("original")));
      original.appendChild(el("span", "zh", passage.zh));
      node.appendChild(original);
    } else {
      node.appendChild(el("span", "zh", passage.zh));
    }
    return node;
  }

  function renderSections() {
    var holder = $("sections");
    holder.textContent = "";
    state.passages = [];
    state.docs.forEach(function (doc) {
      var head = el("header", "doc-head");
      head.appendChild(el("h2", "doc-title", english() && doc.title_en ? doc.title_en : doc.title));
      if (english() && doc.title_en) head.appendChild(el("p", "doc-original", doc.title));
      holder.appendChild(head);
      doc.sections.forEach(function (section) {
        var box = el("section", "section");
        box.id = "s-" + doc.slug + "-" + section.number;
        box.dataset.number = section.number;
        box.appendChild(el("h3", "section-title", sectionTitle(section)));
        if (english() && section.heading_en) {
          box.appendChild(el("p", "section-original", originalTitle(section)));
        }
        box.appendChild(el("h4", "sub", say("summary")));
        var points = el("ul", "points");
        (english() ? section.summary_en : section.summary_zh).forEach(function (point) {
          points.appendChild(el("li", null, point));
        });
        box.appendChild(points);
        var full = el("details", "full");
        full.open = true;
        full.appendChild(el("summary", "sub", say("full_text")));
        section.passages.forEach(function (passage) {
          full.appendChild(passageNode(passage));
          state.passages.push({
            doc: doc, section: section, passage: passage,
            text: fold(passage.zh + "\n" + (passage.en || ""))
          });
        });
        box.appendChild(full);
        var top = el("button", "to-top", "↑ " + say("top"));
        top.type = "button";
        top.addEventListener("click", function () { scrollToNode($("contents")); });
        box.appendChild(top);
        holder.appendChild(box);
      });
    });
  }

  function renderHighlights() {
    var highlighted = (state.me && state.me.highlighted) || {};
    document.querySelectorAll(".passage").forEach(function (node) {
      var names = highlighted[node.dataset.key];
      node.classList.toggle("hl", !!names);
      if (names) node.dataset.follows = "★ " + names.join(" · ");
      else delete node.dataset.follows;
    });
  }

  function renderTopics() {
    var panel = $("topics");
    var me = state.me;
    panel.textContent = "";
    var details = el("details", "topics");
    details.open = state.topicsOpen;  // kept as the reader left it when a toggle redraws it
    details.addEventListener("toggle", function () { state.topicsOpen = details.open; });
    var summary = el("summary", "panel-title", say("topics"));
    var followedCount = me.follows.length;
    summary.appendChild(el("span", "count", " " + followedCount + "/" + me.limit));
    if (followedCount) {
      summary.appendChild(el("span", "followed-names", me.follows.map(function (f) {
        return f.name;
      }).join("、")));
    }
    details.appendChild(summary);
    details.appendChild(el("p", "hint", say("topics_hint")));
    var chips = el("div", "chips");
    me.topics.forEach(function (topic) {
      var chip = el("button", "chip");
      chip.type = "button";
      chip.dataset.slug = topic.slug;
      chip.setAttribute("aria-pressed", topic.followed ? "true" : "false");
      chip.appendChild(el("span", "chip-mark", topic.followed ? "✓" : "+"));
      chip.appendChild(el("span", "chip-name", topic.name));
      chip.appendChild(el("span", "chip-count", String(topic.count)));
      chip.addEventListener("click", function () { toggle(topic, chip); });
      chips.appendChild(chip);
    });
    details.appendChild(chips);
    var keywords = me.follows.filter(function (f) { return f.kind === "keyword"; });
    if (keywords.length) {
      var line = el("p", "hint", say("keywords") + ": " + keywords.map(function (f) {
        return f.name;
      }).join("、"));
      details.appendChild(line);
    }
    if (followedCount) details.appendChild(el("p", "hint", say("highlighted")));
    panel.appendChild(details);
    panel.hidden = false;
  }

  function render() {
    var firstDoc = state.docs[0];
    $("title").textContent = firstDoc
      ? (english() && firstDoc.title_en ? firstDoc.title_en : firstDoc.title) : say("title");
    document.documentElement.lang = english() ? "en" : "zh";
    document.title = say("title");
    $("search").placeholder = say("search");
    $("search").setAttribute("aria-label", say("search"));
    $("search").disabled = false;
    $("status").hidden = true;
    renderTopics();
    renderContents();
    renderSections();
    renderHighlights();
  }

  // --- search as you type -----------------------------------------------------------------

  function marked(text, query) {
    // The text with each occurrence of `query` (folded) in <mark>, built as DOM nodes.
    var span = el("span");
    var folded = text.normalize("NFKC").toLowerCase();
    if (folded.length !== text.length) { span.textContent = text; return span; }
    var at = 0;
    var index = folded.indexOf(query);
    while (index !== -1 && query) {
      span.appendChild(document.createTextNode(text.slice(at, index)));
      span.appendChild(el("mark", null, text.slice(index, index + query.length)));
      at = index + query.length;
      index = folded.indexOf(query, at);
    }
    span.appendChild(document.createTextNode(text.slice(at)));
    return span;
  }

  var searchTimer = null;
  function search() {
    var typed = $("search").value.trim();
    var query = fold(typed);
    var box = $("results");
    box.textContent = "";
    if (!query) { box.hidden = true; return; }
    var found = state.passages.filter(function (entry) { return entry.text.indexOf(query) !== -1; });
    box.appendChild(el("p", "results-count", found.length
      ? say("search_results", { count: found.length, query: typed })
      : say("search_none", { query: typed })));
    var list = el("ol", "result-list");
    found.slice(0, 50).forEach(function (entry) {
      var item = el("li");
      var link = el("button", "result");
      link.type = "button";
      link.appendChild(el("span", "result-label", sectionLabel(entry.section)));
      var shown = english() && entry.passage.en ? entry.passage.en : entry.passage.zh;
      if (fold(shown).indexOf(query) === -1) shown = entry.passage.zh;
      link.appendChild(marked(shown, query));
      link.addEventListener("click", function () {
        var node = $("p-" + entry.passage.key);
        var details = node && node.closest("details");
        if (details) details.open = true;
        scrollToNode(node);
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  // --- topic toggles ----------------------------------------------------------------------

  function toggle(topic, chip) {
    chip.disabled = true;
    api("subscriptions", { method: "POST", body: { topic: topic.slug, follow: !topic.followed } })
      .then(function (answer) {
        state.me = answer.me;
        if (answer.outcome === "limit") toast(say("limit", { limit: state.me.limit }));
        else if (answer.outcome === "on" || answer.outcome === "already")
          toast(say("saved_on", { name: answer.name }));
        else toast(say("saved_off", { name: answer.name }));
        renderTopics();
        renderHighlights();
      })
      .catch(function (error) {
        chip.disabled = false;
        toast(error.status === 401 ? say("expired") : say("failed"));
      });
  }

  // --- start ------------------------------------------------------------------------------

  function openAt() {
    var wanted = new URLSearchParams(location.search).get("s");
    if (wanted === null || !/^\d{1,3}$/.test(wanted)) return;
    // ?d= names the plan as /section 2022 4 does (a year or a slug); the newest without it.
    var named = (new URLSearchParams(location.search).get("d") || "").toLowerCase();
    var doc = state.docs.filter(function (d) {
      return named && (d.slug.toLowerCase() === named || d.published.slice(0, 4) === named);
    })[0] || state.docs[0];
    if (!doc) return;
    $("title").textContent = english() && doc.title_en ? doc.title_en : doc.title;  // whose it is
    scrollToNode($("s-" + doc.slug + "-" + Number(wanted)), true);
  }

  function start() {
    applyTheme();
    applyViewport();
    if (tg) {
      if (tg.onEvent) {
        tg.onEvent("themeChanged", applyTheme);
        tg.onEvent("viewportChanged", applyViewport);
      }
      if (tg.ready) tg.ready();
      if (tg.expand) tg.expand();
    }
    if (!initData) {
      $("status").hidden = true;
      $("notice").hidden = false;
      return;
    }
    Promise.all([api("me"), api("documents")]).then(function (answers) {
      state.me = answers[0];
      state.t = state.me.strings || {};
      state.docs = answers[1].documents || [];
      render();
      openAt();
    }).catch(function (error) {
      $("status").hidden = true;
      var notice = $("notice");
      notice.hidden = false;
      if (error.status !== 401) notice.textContent = String(error.message || error);
    });
    $("search").addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(search, 120);
    });
  }

  start();
})();
