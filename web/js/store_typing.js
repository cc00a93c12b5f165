// Client state, typing indicators: who is typing in which room, expiring on their own after
// TYPING_TTL. Methods of Store (mixed into its prototype by store.js).

const TYPING_TTL = 6000;

export const typingMethods = {
  setTyping({ roomId, userId, typing }) {
    const room = this.rooms.get(String(roomId));
    if (!room || String(userId) === this.me.id) return;
    if (typing) room.typing.set(String(userId), Date.now() + TYPING_TTL);
    else room.typing.delete(String(userId));
    this.touch('typing');
    if (!this.typingTimer) this.typingTimer = setInterval(() => this.expireTyping(), 1000);
  },

  expireTyping() {
    const now = Date.now();
    let any = false;
    for (const room of this.rooms.values()) {
      for (const [u, exp] of room.typing) {
        if (exp <= now) { room.typing.delete(u); this.touch('typing'); } else any = true;
      }
    }
    if (!any) { clearInterval(this.typingTimer); this.typingTimer = null; }
  },

  typingNames(roomId) {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    return [...room.typing.keys()].map((id) => this.userName(id));
  },
};
