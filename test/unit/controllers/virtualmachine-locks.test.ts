import { expect } from 'chai';

import { isOwnLockReason, parkingLockReason } from '../../../operator/controllers/shared/naming.ts';
import { isParked, lockHolder } from '../../../operator/controllers/virtualmachine/locks.ts';
import { parseServer } from '../../../operator/openstack/nova-views.ts';

const INSTALL = 'prod1';

function server(status: string, locked: boolean, reason?: string) {
    return parseServer({
        id: 's',
        status,
        locked,
        ...(reason === undefined ? {} : { locked_reason: reason }),
    });
}

describe('parking locks', () => {
    it("should put the reserved prefix and the installation's ID first in the parking reason", () => {
        expect(parkingLockReason(INSTALL)).to.equal('bascule:prod1:parked');
        expect(isOwnLockReason(parkingLockReason(INSTALL), INSTALL)).to.be.true;
    });

    it("should not take another installation's or anyone else's reason for its own", () => {
        for (const reason of [
            'bascule:prod2:parked',
            'bascule:prod10:parked',
            'bascule-parked',
            'ops',
            undefined,
        ]) {
            expect(isOwnLockReason(reason, INSTALL), String(reason)).to.be.false;
        }
    });

    it('should tell who holds a lock', () => {
        const table: [ReturnType<typeof server>, ReturnType<typeof lockHolder>][] = [
            [server('ACTIVE', false), 'none'],
            [server('ACTIVE', true), 'other'],
            [server('ACTIVE', true, 'maintenance'), 'other'],
            [server('ACTIVE', true, 'bascule:prod2:parked'), 'other'],
            [server('ACTIVE', true, parkingLockReason(INSTALL)), 'bascule'],
        ];
        for (const [s, holder] of table) expect(lockHolder(s, INSTALL)).to.equal(holder);
    });

    it('should call parked only an offloaded server under its own lock', () => {
        const own = parkingLockReason(INSTALL);
        expect(isParked(server('SHELVED_OFFLOADED', true, own), INSTALL)).to.be.true;
        expect(isParked(server('SHELVED', true, own), INSTALL)).to.be.false;
        expect(isParked(server('SHELVED_OFFLOADED', false), INSTALL)).to.be.false;
        expect(isParked(server('SHELVED_OFFLOADED', true, 'ops'), INSTALL)).to.be.false;
    });
});
