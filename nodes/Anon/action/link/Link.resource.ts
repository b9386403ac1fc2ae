/** The Link resource: its operations, in the order of its Operation list (the first is the default). */
import { resource } from '../resource';
import * as createLink from './createLink.operation';
import * as createLinkToken from './createLinkToken.operation';

export const link = resource({ name: 'Link', value: 'link' }, [createLink, createLinkToken]);
