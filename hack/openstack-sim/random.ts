// A seeded generator, so that a run with the same seed makes the same IDs, hosts and fault draws.

/** mulberry32: small, fast, and good enough for a simulator's choices. */
export class Random {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    next(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    hex(length: number): string {
        let out = '';
        while (out.length < length) {
            out += Math.floor(this.next() * 0x100000000)
                .toString(16)
                .padStart(8, '0');
        }
        return out.slice(0, length);
    }

    /** A version-4-shaped UUID, as Nova, Glance, Neutron and Placement use. */
    uuid(): string {
        const h = this.hex(32);
        const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
    }

    /** Keystone's IDs are UUIDs without dashes. */
    keystoneId(): string {
        return this.hex(32);
    }

    password(length: number): string {
        const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
        let out = '';
        for (let i = 0; i < length; i++) {
            out += alphabet.charAt(Math.floor(this.next() * alphabet.length));
        }
        return out;
    }
}
