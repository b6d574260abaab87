// The live room: one WebSocket keeps the page current (pin, showcase, viewers, chat, "just
// bought"), and chat is sent over it. Everything shown is set with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("live-room");
  if (!root) return;
  var sessionId = root.dataset.session;
  var strings = JSON.parse(root.dataset.strings || "{}");
  var socket = null;
  var retry = 500;

  function t(key, values) {
    var text = strings[key] || key;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function fen(value) {
    if (value === null || value === undefined) return "";
    var yuan = Math.floor(Math.abs(value) / 100), cents = Math.abs(value) % 100;
    return (value < 0 ? "-" : "") + "¥" + yuan.toLocaleString("en-US") + "." + (cents < 10 ? "0" : "") + cents;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showPin(msg) {
    var box = document.getElementById("pinned");
    var product = msg.product;
    box.replaceChildren();
    box.dataset.product = product ? product.product_id : "";
    var buy = document.getElementById("buy-box");
    if (!product) {
      box.appendChild(el("p", "muted", t("live.nothing_pinned")));
      if (buy) buy.hidden = true;
      return;
    }
    box.appendChild(el("strong", "title", product.title));
    box.appendChild(document.createTextNode(" "));
    box.appendChild(el("span", "price", fen(product.price_fen)));
    box.appendChild(document.createTextNode(" "));
    box.appendChild(el("span", "stock", t("live.stock", { n: product.stock })));
    box.appendChild(document.createTextNode(" "));
    box.appendChild(el("span", "muted shop-name", product.shop));
    var list = el("ul", "guarantees");
    (product.guarantees || []).forEach(function (g) { var item = el("li", "guarantee", t("live.guarantee." + g)); item.setAttribute("data-guarantee", g); list.appendChild(item); });
    box.appendChild(list);
    if (buy) {
      buy.hidden = false;
      var select = buy.querySelector("select[name=sku_id]");
      if (select) {
        var chosen = select.value;
        select.replaceChildren();
        product.skus.forEach(function (sku) {
          var option = el("option", "", sku.variant + " · " + fen(sku.price_fen) + " · " + t("live.stock", { n: sku.stock }));
          option.value = sku.sku_id;
          if (String(sku.sku_id) === chosen) option.selected = true;
          select.appendChild(option);
        });
      }
    }
  }

  function showShowcase(msg) {
    var list = document.getElementById("showcase");
    list.replaceChildren();
    msg.items.forEach(function (item) {
      var li = el("li", item.pinned ? "is-pinned" : "");
      var link = el("a", "", item.title);
      link.href = "/products/" + item.product_id;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "price", fen(item.price_fen)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "muted", t("live.stock", { n: item.stock })));
      list.appendChild(li);
    });
  }

  function addChat(msg) {
    var log = document.getElementById("chat-log");
    var li = el("li");
    li.appendChild(el("b", "", msg.user || ""));
    li.appendChild(document.createTextNode(" " + msg.text));
    log.appendChild(li);
    while (log.children.length > 100) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }

  function showError(msg) {
    var target = document.getElementById("e-" + msg.field) || document.getElementById("e-text");
    if (!target) return;
    target.textContent = msg.message || msg.code;
    target.hidden = false;
    var input = document.getElementById("f-" + msg.field);
    if (input) input.setAttribute("aria-invalid", "true");
  }

  var handlers = {
    pin: showPin,
    showcase: showShowcase,
    chat: addChat,
    error: showError,
    viewers: function (msg) { document.getElementById("viewers").textContent = t("live.viewers", { n: msg.count }); },
    state: function (msg) {
      var status = document.getElementById("live-status");
      status.dataset.status = msg.status;
      status.textContent = t("live.status." + msg.status);
    },
    purchase: function (msg) {
      document.getElementById("ticker").textContent = t("live.just_bought", { buyer: msg.buyer, title: msg.title });
    },
    followed: function () {
      var button = document.getElementById("follow-button");
      if (button) { button.textContent = t("live.following"); button.setAttribute("aria-pressed", "true"); }
    },
  };

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/live/" + sessionId);
    socket.onopen = function () { retry = 500; root.dataset.connected = "true"; };
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      var handler = handlers[msg.type];
      if (handler) handler(msg);
    };
    socket.onclose = function (event) {
      root.dataset.connected = "false";
      if (event.code === 4404) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  var form = document.getElementById("chat-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("f-text");
      var error = document.getElementById("e-text");
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        showError({ field: "text", message: t("live.disconnected") });
        return;
      }
      socket.send(JSON.stringify({ type: "chat", text: input.value }));
      input.value = "";
    });
  }
  connect();
})();
