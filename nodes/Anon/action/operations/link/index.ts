import { resource } from '../../resource';
import * as create from './create';
import * as createToken from './createToken';

export const link = resource({ name: 'Link', value: 'link' }, [create, createToken]);
