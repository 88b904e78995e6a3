/// <reference lib="dom" />
import { api, KeyformError, SESSION_REJECTED } from "./api";
import { h, replaceChildren, toast } from "./dom";
import { currentSession, recentAccounts, signOut, switchAccount } from "./session";
import { renderKeyDetails } from "./views/key-details";
import { renderKeysView } from "./views/keys-view";
import { renderPlanView } from "./views/plan-view";
import { renderSignIn } from "./views/sign-in";
import { renderStackDetails, renderStacksView } from "./views/stacks-view";

/** Hash routes: #/keys[?type=&status=], #/keys/:id, #/stacks, #/stacks/:name[?owner=], #/plans/:id. */
function parseRoute(hash: string): { view: string; arg?: string; query: URLSearchParams } {
  const [path, qs] = hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] ?? "keys", arg: parts[1], query: new URLSearchParams(qs ?? "") };
}

function header(): HTMLElement {
  const session = currentSession()!;
  const route = parseRoute(location.hash).view;
  const nav = (href: string, label: string, active: boolean) => h("a", { href, class: active ? "nav-link active" : "nav-link", "aria-current": active ? "page" : null }, label);
  const picker = h("input", { id: "account-picker", value: session.account, list: "recent-accounts", "aria-label": "Account", autocomplete: "off", spellcheck: "false" });
  const datalist = h("datalist", { id: "recent-accounts" }, ...recentAccounts().map((a) => h("option", { value: a })));
  const pick = h("form", { class: "account-picker" }, h("label", { for: "account-picker" }, "Account"), picker, datalist, h("button", { type: "submit", class: "button small" }, "Open"));
  pick.addEventListener("submit", async (e) => {
    e.preventDefault();
    const next = picker.value.trim();
    if (!next || next === session.account) return;
    try {
      await api.account(next);
      switchAccount(next);
      location.hash = "#/keys";
      render();
    } catch (err) {
      toast(err instanceof KeyformError && err.status === 404 ? `No account ${next}.` : err instanceof KeyformError ? err.detail : String(err), "error");
    }
  });
  const out = h("button", { type: "button", class: "button small" }, "Sign out");
  out.addEventListener("click", () => {
    signOut();
    location.hash = "";
    render();
  });
  return h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "#/keys" }, h("span", { class: "brand-mark" }, "kf"), "keyform"),
    h("nav", {}, nav("#/keys", "Keys", route === "keys"), nav("#/stacks", "Stacks", route === "stacks" || route === "plans"), h("a", { class: "nav-link", href: "/docs", target: "_blank", rel: "noopener" }, "API reference")),
    h("div", { class: "topbar-right" }, pick, h("span", { class: "badge badge-who", title: "How this console labels the signed-in token" }, session.kind), out),
  );
}

async function render(): Promise<void> {
  const app = document.getElementById("app")!;
  const session = currentSession();
  if (!session) {
    renderSignIn(app, () => {
      location.hash = "#/keys";
      void render();
    });
    return;
  }
  const main = h("main", { class: "content" });
  replaceChildren(app, header(), main);
  const { view, arg, query } = parseRoute(location.hash);
  try {
    if (view === "keys" && arg) await renderKeyDetails(main, session.account, arg);
    else if (view === "stacks" && arg) await renderStackDetails(main, arg, query.get("owner") ?? undefined);
    else if (view === "stacks") await renderStacksView(main);
    else if (view === "plans" && arg) await renderPlanView(main, arg);
    else await renderKeysView(main, session.account, { type: query.get("type") ?? undefined, status: query.get("status") ?? undefined });
  } catch (err) {
    toast(err instanceof KeyformError ? `${err.code}: ${err.detail}` : String(err), "error");
  }
}

window.addEventListener(SESSION_REJECTED, () => {
  if (!currentSession()) return;
  signOut();
  toast("Your token is no longer accepted. Sign in again.", "error");
  void render();
});

window.addEventListener("hashchange", () => void render());
void render();
