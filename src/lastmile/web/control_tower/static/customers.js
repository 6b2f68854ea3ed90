// The selected driver's customers' threads (last day), read-only beside the driver's chat:
// what each customer wrote and what the driver answered, by parcel. New ones come live.
export function setupCustomers({ api, el, clock }) {
  const list = document.getElementById("customer-chat");
  let shownFor = null;

  const line = (m) =>
    el("li", { "data-party": m.party },
      el("span", { class: "muted" }, m.tracking_number), " ",
      el("strong", {}, m.author), " ", m.body, " ",
      el("span", { class: "muted" }, clock(m.at)));

  async function load(driverId) {
    shownFor = driverId;
    const messages = await api(`/api/v1/drivers/${driverId}/customer-messages`);
    if (shownFor !== driverId) return;
    list.replaceChildren(...(messages.length ? messages.map(line) : [el("li", { class: "muted" }, "No customer messages today.")]));
  }

  function listen(source) {
    source.addEventListener("customer_message", (event) => {
      const message = JSON.parse(event.data);
      if (shownFor && message.driver_id === shownFor) load(shownFor).catch(() => {});
    });
  }

  return { load, listen };
}
