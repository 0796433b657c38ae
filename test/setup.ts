import * as tf from '@tensorflow/tfjs-core';

// As in the app (selectBackend): production mode, without tfjs's console advice to install tfjs-node.
tf.env().set('PROD', true);
